/**
 * The one module that imports the OpenTelemetry trace SDK (`@opentelemetry/sdk-trace`) and
 * `@opentelemetry/resources`, in either generation (2.12 with `@opentelemetry/api` 1.9, 3.1 with
 * api 1.10): everything else imports these names from here (and core's from `sdk-core.ts`), so
 * moving to the next generation is a change to these two files and package.json. The OTLP
 * exporter packages are loaded by src/exporters/otlp.ts, their assumptions kept in
 * src/exporters/official-transport.ts.
 *
 * `@opentelemetry/sdk-trace` is the trace SDK OpenTelemetry names going forward (published for
 * 2.9+ and 3.x); `sdk-trace-base` 2.12 is a thin layer over it and has no 3.x.
 * @internal
 */
export {
  AlwaysOffSampler,
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SamplingDecision,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
export type {
  ReadableSpan,
  Sampler,
  SamplingResult,
  Span as SdkSpan,
  SpanExporter,
  SpanLimits,
  SpanProcessor,
  TimedEvent,
} from '@opentelemetry/sdk-trace';
export { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
export type { Resource } from '@opentelemetry/resources';

/**
 * tracelight: lightweight distributed tracing for Node.js. `init()` once at startup, then
 * `withSpan()` around business logic; spans are OpenTelemetry spans, so any OpenTelemetry
 * instrumentation library works with it too.
 *
 * This entry holds what an application uses: the facade, context propagation over custom
 * transports, log correlation, and the types of their options. The building blocks of the
 * pipeline (exporters, processor, propagator, context manager, parsers) are in `tracelight/sdk`.
 * @module
 */
export { init } from './init.js';
export { withSpan } from './span/with-span.js';
export { traced } from './span/traced.js';
export { logFields } from './span/active.js';
export { injectContext, extractContext } from './propagation/carrier.js';
export { VERSION } from './version.js';
export { diagnose } from './diagnose.js';

export type { TracelightHandle } from './init.js';
export type { DiagnoseOptions, Diagnosis, RegisteredGlobals, SettingRow, CollectorAnswer } from './diagnose.js';
export type { TracelightStats } from './config/pipeline.js';
export type {
  BatchOptions,
  DebugOptions,
  ExporterName,
  LogLevelName,
  InstrumentationsOptions,
  OtlpOptions,
  SamplerName,
  SamplingOptions,
  TracelightOptions,
} from './config/options.js';
export type { TailSamplingOptions, TailSamplingPreset } from './sampling/tail-sampling-options.js';
export type { WithSpanOptions, SpanBody } from './span/with-span.js';
export type { LogTraceFields } from './span/active.js';
export type { RedactOptions } from './span/redact.js';
// The options of `instrumentations.http`, as `tracelight/http` also exports them.
export type {
  HttpInstrumentationOptions,
  Matcher,
  OutgoingApi,
  OutgoingRequestInfo,
  OutgoingResponseInfo,
} from './instrumentations/http/options.js';
// The options of `instrumentations.express`, as `tracelight/express` also exports them.
export type { ExpressInstrumentationOptions } from './instrumentations/express/options.js';

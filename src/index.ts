/**
 * tracelight: lightweight distributed tracing for Node.js. `init()` once at startup, then
 * `withSpan()` around business logic; spans are OpenTelemetry spans, so any OpenTelemetry
 * instrumentation library works with it too.
 * @module
 */
export { init } from './init.js';
export { withSpan } from './span/with-span.js';
export { traced } from './span/traced.js';
export { getActiveSpan, currentTraceIds, logFields } from './span/active.js';
export { injectContext, extractContext, withContext } from './propagation/carrier.js';
export { TraceContextPropagator } from './propagation/trace-context-propagator.js';
export { parseTraceParent, formatTraceParent } from './propagation/traceparent.js';
export { TraceState } from './propagation/tracestate.js';
export { TRACEPARENT_HEADER, TRACESTATE_HEADER } from './propagation/constants.js';
export { TracelightContextManager } from './context/async-local-storage-context-manager.js';
export { ConsoleWaterfallExporter } from './exporters/waterfall/console-waterfall-exporter.js';
export { renderWaterfall } from './exporters/waterfall/render.js';
export { createOtlpExporter } from './exporters/otlp.js';
export { TracelightBatchSpanProcessor } from './exporters/batch-span-processor.js';
export { createRedactor, DEFAULT_REDACTION } from './span/redact.js';
export { VERSION } from './version.js';

export type { TracelightHandle } from './init.js';
export type { TracelightStats } from './config/pipeline.js';
export type {
  BatchOptions,
  DebugOptions,
  ExporterName,
  InstrumentationsOptions,
  OtlpOptions,
  SamplerName,
  TracelightOptions,
} from './config/options.js';
export type { WithSpanOptions, SpanBody } from './span/with-span.js';
export type { TraceIds, LogTraceFields } from './span/active.js';
export type { RedactOptions, Redactor } from './span/redact.js';
export type { ConsoleWaterfallExporterOptions, ConsoleWaterfallStats } from './exporters/waterfall/console-waterfall-exporter.js';
export type { WaterfallOptions } from './exporters/waterfall/render.js';
export type { OtlpExporterOptions, OtlpSpanExporter, OtlpProtocol } from './exporters/otlp.js';
export type {
  TracelightBatchSpanProcessorOptions,
  BatchSpanProcessorStats,
} from './exporters/batch-span-processor.js';

/**
 * The building blocks `init()` assembles, for a pipeline of your own (with the official SDK or
 * without `init()`), for custom transports and for tools: exporters, the batch processor, the
 * W3C propagator and parsers, the context manager, the redactor, the waterfall renderer.
 * Everything is made by a function (`create…` builds, a verb acts) and typed by an interface, so
 * no implementation detail is part of the API.
 * @module
 */
export { createConsoleExporter } from './exporters/waterfall/console-waterfall-exporter.js';
export { createOtlpExporter } from './exporters/otlp.js';
export { createBatchSpanProcessor } from './exporters/batch-span-processor.js';
export { createTraceContextPropagator } from './propagation/trace-context-propagator.js';
export { createContextManager } from './context/async-local-storage-context-manager.js';
export { createRedactor, DEFAULT_REDACTION } from './span/redact.js';
export { parseTraceParent, formatTraceParent } from './propagation/traceparent.js';
export { parseTraceState } from './propagation/tracestate.js';
export { TRACEPARENT_HEADER, TRACESTATE_HEADER } from './propagation/constants.js';
export { renderWaterfall, DEFAULT_WATERFALL_ATTRIBUTES } from './exporters/waterfall/render.js';

export type { ConsoleExporter, ConsoleExporterOptions, ConsoleExporterStats } from './exporters/waterfall/console-waterfall-exporter.js';
export type { OtlpExporter, OtlpExporterOptions, OtlpExporterStats, OtlpProtocol } from './exporters/otlp.js';
export type { RetryPolicy } from './exporters/retrying-transport.js';
export type { BatchSpanProcessor, BatchSpanProcessorOptions, BatchSpanProcessorStats } from './exporters/batch-span-processor.js';
export type { RedactOptions, Redactor } from './span/redact.js';
export type { WaterfallOptions } from './exporters/waterfall/render.js';

import type { Attributes, DiagLogLevel, TextMapPropagator } from '@opentelemetry/api';
import type { Sampler, SpanExporter, SpanLimits } from '../internal/sdk.js';
import type { ExpressInstrumentationOptions } from '../instrumentations/express/options.js';
import type { HttpInstrumentationOptions } from '../instrumentations/http/options.js';
import type { RedactOptions } from '../span/redact.js';
import type { TailSamplingOptions, TailSamplingPreset } from '../sampling/tail-sampling-options.js';

/** Log level names, as `OTEL_LOG_LEVEL` takes them. */
export type LogLevelName = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

/** Names of the built-in exporters, as in `OTEL_TRACES_EXPORTER`. */
export type ExporterName = 'console' | 'otlp' | 'none';

/** Sampler names of the OpenTelemetry specification, as in `OTEL_TRACES_SAMPLER`. */
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/**
 * Sampling as an object: a head ratio and/or tail sampling in this process. Head sampling decides
 * when a trace starts (what is not recorded is gone); tail sampling then decides, among the
 * recorded, which trace fragments to export once their local root has ended.
 */
export interface SamplingOptions {
  /** Head sampling ratio in [0, 1], as `sampler: ratio`. Default: record every trace (parent-based). */
  ratio?: number;
  /**
   * Tail sampling: keep fragments with an error, a slow local root, or admitted by a baseline
   * probability; drop the rest. Options, or the preset `'keep-errors-and-slow'` (errors, roots
   * slower than 1 s, and 10% of the rest).
   */
  tail?: TailSamplingOptions | TailSamplingPreset;
}

/** OTLP export settings; each falls back to its `OTEL_EXPORTER_OTLP_*` variable. */
export interface OtlpOptions {
  /** `http/protobuf` (default) or `http/json`. */
  protocol?: 'http/protobuf' | 'http/json';
  /** Full traces URL, used as is (like `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). */
  endpoint?: string;
  /** Extra request headers, e.g. an API key for the backend. */
  headers?: Record<string, string>;
  /** Per-request timeout in milliseconds (default 10 000). */
  timeoutMillis?: number;
  /** Request body compression (default `none`). */
  compression?: 'gzip' | 'none';
}

/** Batch span processor settings; each falls back to its `OTEL_BSP_*` variable. */
export interface BatchOptions {
  /** Spans kept waiting for export; beyond this new spans are dropped and counted (default 2048). */
  maxQueueSize?: number;
  /** Spans per export request (default 512). */
  maxExportBatchSize?: number;
  /** Delay between two scheduled exports in milliseconds (default 5000). */
  scheduledDelayMillis?: number;
  /** Time one export may take in milliseconds (default 30 000). */
  exportTimeoutMillis?: number;
}

/** Development aids. */
export interface DebugOptions {
  /** Report spans still open after this many milliseconds, with the stack that started them (default 10 000). */
  openSpanThresholdMs?: number;
}

/** Options of {@link init}. Code options win; the standard `OTEL_*` variables fill the rest. */
export interface TracelightOptions {
  /** `service.name`; else `OTEL_SERVICE_NAME`, the app's package.json `name`, `unknown_service:node`. */
  serviceName?: string;
  /** `service.version`; else the app's package.json `version`. */
  serviceVersion?: string;
  /** `deployment.environment.name`, e.g. `production`. */
  environment?: string;
  /** Extra resource attributes (merged over `OTEL_RESOURCE_ATTRIBUTES`). */
  resourceAttributes?: Attributes;
  /**
   * Where spans go: `'otlp'` (the default, as the specification says), `'console'` (a waterfall
   * per trace in the terminal), `'none'`, any `SpanExporter`, or an array of these.
   */
  exporter?: ExporterName | SpanExporter | Array<ExporterName | SpanExporter>;
  /** OTLP settings, when `exporter` includes `'otlp'`. */
  otlp?: OtlpOptions;
  /**
   * A sampler name of the specification, a ratio in [0, 1] (short for
   * `parentbased_traceidratio` with that ratio), any `Sampler`, or {@link SamplingOptions}
   * (`{ tail: 'keep-errors-and-slow' }` keeps errors and slow traces). Default `parentbased_always_on`.
   */
  sampler?: SamplerName | number | Sampler | SamplingOptions;
  /** Propagator names (`tracecontext`, `baggage`, `b3`, `b3multi`, `none`) or a propagator. */
  propagators?: string[] | TextMapPropagator;
  /** Span limits (attribute count and length, events, links). */
  spanLimits?: SpanLimits;
  /** Batch processor settings for OTLP and custom exporters. */
  batch?: BatchOptions;
  /** Attribute redaction, on by default; `false` turns it off. */
  redact?: RedactOptions | false;
  /** Instrumentations to enable. */
  instrumentations?: InstrumentationsOptions;
  /** `true` (or `OTEL_LOG_LEVEL=debug`) reports spans left open, with their start stacks. */
  debug?: boolean | DebugOptions;
  /**
   * Log level of the `diag` console logger installed by init: a name as `OTEL_LOG_LEVEL` takes
   * it (`'none'`, `'error'`, `'warn'`, `'info'`, `'debug'`, `'verbose'`, `'all'`) or a
   * `DiagLogLevel` (default: from `OTEL_LOG_LEVEL`, else none).
   */
  logLevel?: DiagLogLevel | LogLevelName;
  /** Flush pending spans on SIGTERM, SIGINT and `beforeExit` (default true). */
  flushOnExit?: boolean;
}

/** Instrumentations that `init()` can enable for the whole process. */
export interface InstrumentationsOptions {
  /** Incoming and outgoing HTTP (`http`, `https`, `fetch`); `true` or the options of `tracelight/http`. */
  http?: boolean | HttpInstrumentationOptions;
  /**
   * Express 4 and 5 apps, each recognised at its first request: `true` or the options of
   * `tracelight/express`. Turns `http` on too unless it is set to `false` (the route names the
   * HTTP SERVER span).
   */
  express?: boolean | ExpressInstrumentationOptions;
}

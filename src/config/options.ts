import type { Attributes, DiagLogLevel, TextMapPropagator } from '@opentelemetry/api';
import type { Sampler, SpanExporter, SpanLimits } from '../internal/sdk.js';
import type { ExpressInstrumentationOptions } from '../instrumentations/express/options.js';
import type { HttpInstrumentationOptions } from '../instrumentations/http/options.js';
import type { RedactOptions } from '../span/redact.js';
import type { TailSamplingOptions, TailSamplingPreset } from '../sampling/tail-sampling-options.js';

/** Log level names, as `OTEL_LOG_LEVEL` takes them. */
export type LogLevelName = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

/** Names of the built-in exporters, as in `OTEL_TRACES_EXPORTER`. */
export type ExporterName = 'console' | 'otlp' | 'viewer' | 'none';

/**
 * Sampler names, as in `OTEL_TRACES_SAMPLER`: those of the OpenTelemetry specification (built
 * from the official samplers, `OTEL_TRACES_SAMPLER_ARG` being the ratio), and tracelight's
 * `tracelight_probability` (consistent probability sampling, parent-based; the argument is the
 * probability, default 1) and `tracelight_ratelimit` (at most N new traces a second, parent-based;
 * the argument is N, default 100).
 */
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio'
  | 'tracelight_probability'
  | 'tracelight_ratelimit';

/**
 * Head sampling settings for `sampler`. Decisions for new traces; a span with a parent follows
 * its parent. With `ratio` and `ratePerSecond` both set, a new trace is kept when the ratio
 * admits it and the rate limit has room.
 */
export interface SamplingOptions {
  /**
   * Probability in [0, 1] of keeping a new trace, by OpenTelemetry consistent probability
   * sampling: the decision comes from the trace id's random bits and the threshold is written
   * as `th` in the `ot` entry of `tracestate`, so services sampling the same trace at different
   * probabilities agree (what 1% keeps, 10% keeps too) and backends can read adjusted counts.
   */
  ratio?: number;
  /**
   * At most this many new traces a second in this process (a token bucket holding one second's
   * worth, so a burst after a quiet second gets up to this many at once). Traces kept this way
   * carry no `th`: a rate limit makes their probability unknown.
   */
  ratePerSecond?: number;
  /**
   * `true` (default): spans whose parent is in another process follow the parent's decision.
   * `false`: this process decides on them itself, with the trace's consistent randomness and
   * its own `ratio`/`ratePerSecond`, so each service keeps its own share and every trace kept
   * by an upstream service with a lower ratio is kept here too. Local children always follow.
   */
  parentBased?: boolean;
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
   * per trace in the terminal), `'viewer'` (the local viewer of `npx tracelight view`, OTLP to
   * http://127.0.0.1:4318/v1/traces), `'none'`, any `SpanExporter`, or an array of these.
   */
  exporter?: ExporterName | SpanExporter | Array<ExporterName | SpanExporter>;
  /** OTLP settings, when `exporter` includes `'otlp'`. */
  otlp?: OtlpOptions;
  /**
   * A sampler name (see {@link SamplerName}), a ratio in [0, 1] (short for `{ ratio }`:
   * consistent probability sampling, parent-based), {@link SamplingOptions}
   * (with `tail`, e.g. `{ tail: 'keep-errors-and-slow' }`, keeps errors and slow traces), or any `Sampler`.
   * Default `parentbased_always_on`.
   */
  sampler?: SamplerName | number | SamplingOptions | Sampler;
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

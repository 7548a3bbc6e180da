import { createRequire } from 'node:module';
import type { Agent as HttpAgent } from 'node:http';
import { ExportResultCode } from '../internal/sdk-core.js';
import type { ExportResult } from '../internal/sdk-core.js';
import type { ReadableSpan, SpanExporter } from '../internal/sdk.js';
import type * as OtlpProtoModule from '@opentelemetry/exporter-trace-otlp-proto';
import { errorOnce } from '../internal/diag.js';
import { checkAssumptions } from '../internal/node-assumptions.js';
import { describeError } from '../internal/safe-call.js';
import { ExportFailure, toExportFailure } from './export-failure.js';
import { resolveOtlpTracesUrl } from './otlp-endpoint.js';
import { installRetryLayer } from './official-transport.js';
import { DEFAULT_RETRY_POLICY } from './retrying-transport.js';
import type { CountingRetryingTransport, RetryPolicy } from './retrying-transport.js';

/** OTLP encodings over HTTP we support (`OTEL_EXPORTER_OTLP_PROTOCOL`); gRPC is not. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * Resolved OTLP settings. `src/config` reads `OTEL_EXPORTER_OTLP_*` and passes the values here;
 * this module never reads the environment.
 */
export interface OtlpExporterOptions {
  /** Encoding; default `http/protobuf` (the specification's default). */
  protocol?: OtlpProtocol;
  /** Base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`): `/v1/traces` is appended. */
  endpoint?: string;
  /** Full traces URL (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): used as is; wins over `endpoint`. */
  tracesEndpoint?: string;
  /** Extra request headers, e.g. an API key (`OTEL_EXPORTER_OTLP_HEADERS`). */
  headers?: Record<string, string>;
  /** Time budget of one export, retries included; default 10 000 ms (`OTEL_EXPORTER_OTLP_TIMEOUT`). */
  timeoutMillis?: number;
  /** Request body compression; default `none` (`OTEL_EXPORTER_OTLP_COMPRESSION`). */
  compression?: 'gzip' | 'none';
  /** Retry schedule; the default is the official exporter's (5 retries, 1 s growing ×1.5 up to 5 s, ±20 % jitter). Mainly for tests. */
  retry?: Partial<RetryPolicy>;
}

/** Counters of an exporter made by {@link createOtlpExporter}. */
export interface OtlpExporterStats {
  /** Requests repeated after a retryable failure (429, 502, 503, 504, network error, timeout). */
  retries: number;
}

/** A `SpanExporter` sending OTLP over HTTP, with its target and counters. */
export interface OtlpExporter extends SpanExporter {
  /** The URL spans are POSTed to. */
  readonly url: string;
  /** The encoding spans are sent in. */
  readonly protocol: OtlpProtocol;
  /** Requests repeated so far. */
  stats(): OtlpExporterStats;
}

const DEFAULT_TIMEOUT_MILLIS = 10_000;
/** How long shutdown() waits for requests still open before cutting them. */
const SHUTDOWN_GRACE_MILLIS = 1000;
const PACKAGES: Record<OtlpProtocol, string> = {
  'http/protobuf': '@opentelemetry/exporter-trace-otlp-proto',
  'http/json': '@opentelemetry/exporter-trace-otlp-http',
};

/** Loads the official exporter packages only when OTLP is chosen (tsup shims `import.meta.url` for CJS). */
const requireLazily = createRequire(import.meta.url);

type OfficialExporter = InstanceType<typeof OtlpProtoModule.OTLPTraceExporter>;
type OfficialConfig = NonNullable<ConstructorParameters<typeof OtlpProtoModule.OTLPTraceExporter>[0]>;

/**
 * Creates an OTLP/HTTP span exporter on top of the official
 * `@opentelemetry/exporter-trace-otlp-proto` (http/protobuf) or `-otlp-http` (http/json), loaded
 * here on first use so that apps without OTLP do not pay for them.
 *
 * What differs from constructing the official exporter directly:
 * - The URL is resolved here, per the specification (the signal-specific URL as is, `/v1/traces` appended to a base endpoint), and
 *   passed as the official `url` option, which the official exporter uses as is: it never
 *   appends `/v1/traces` to it, and an explicit URL, timeout and compression always win over
 *   its own reading of `OTEL_EXPORTER_OTLP_*`. (Headers from `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`
 *   are still merged in by the official exporter under the ones given here; it has no switch.)
 * - Its retry layer is replaced by our own (through private fields: see
 *   src/exporters/official-transport.ts): same schedule, but retries
 *   are counted, final failures carry an actionable `ExportFailure`, waits are unref'ed and
 *   `shutdown()` stops retrying at once.
 * - It uses its own keep-alive HTTP agent, destroyed at `shutdown()` so no socket lingers.
 * - Nothing is logged per batch: failures reach the span processor, which reports each kind once.
 *
 * Never throws: when the package cannot be loaded or the endpoint is invalid, it reports once
 * through `diag` and returns an exporter that fails every export (so the processor drops and
 * counts the spans).
 */
export function createOtlpExporter(options: OtlpExporterOptions = {}): OtlpExporter {
  let protocol: OtlpProtocol = options.protocol ?? 'http/protobuf';
  if (PACKAGES[protocol] === undefined) {
    errorOnce(
      'otlp-protocol',
      `OTLP protocol "${String(protocol)}" is not supported; using http/protobuf. Set OTEL_EXPORTER_OTLP_PROTOCOL to http/protobuf or http/json.`,
    );
    protocol = 'http/protobuf';
  }
  const url = resolveOtlpTracesUrl(options);
  if (url === undefined) {
    const given = options.tracesEndpoint ?? options.endpoint;
    return new UnavailableExporter(
      String(given),
      protocol,
      new ExportFailure(
        'otlp-bad-endpoint',
        `OTLP endpoint "${String(given)}" is not a valid http(s) URL; spans are not exported. Fix OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT.`,
      ),
    );
  }
  try {
    return new OtlpTraceExporter(url, protocol, options);
  } catch (err) {
    return new UnavailableExporter(
      url,
      protocol,
      new ExportFailure(
        'otlp-unavailable',
        `could not create the OTLP exporter from ${PACKAGES[protocol]} (${describeError(err)}); spans are not exported. Reinstall tracelight's dependencies.`,
        err,
      ),
    );
  }
}

/** The official exporter with our retry layer, agent and error reporting. @internal */
class OtlpTraceExporter implements OtlpExporter {
  readonly url: string;
  readonly protocol: OtlpProtocol;
  private readonly _official: OfficialExporter;
  private readonly _retrying: CountingRetryingTransport | undefined;
  private readonly _timeoutMillis: number;
  private _agent: HttpAgent | undefined;
  private _shutdown: Promise<void> | undefined;

  constructor(url: string, protocol: OtlpProtocol, options: OtlpExporterOptions) {
    this.url = url;
    this.protocol = protocol;
    const timeoutMillis =
      typeof options.timeoutMillis === 'number' && Number.isFinite(options.timeoutMillis) && options.timeoutMillis > 0
        ? options.timeoutMillis
        : DEFAULT_TIMEOUT_MILLIS;
    this._timeoutMillis = timeoutMillis;
    const { OTLPTraceExporter } = requireLazily(PACKAGES[protocol]) as typeof OtlpProtoModule;
    this._official = new OTLPTraceExporter({
      url,
      headers: { ...options.headers },
      timeoutMillis,
      // The official type is an enum whose values are these strings.
      compression: (options.compression === 'gzip' ? 'gzip' : 'none') as OfficialConfig['compression'],
      httpAgentOptions: (urlProtocol: string) => this._createAgent(urlProtocol),
    });
    this._retrying = installRetryLayer(this._official, url, { ...DEFAULT_RETRY_POLICY, ...options.retry });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let called = false;
    const once = (result: ExportResult): void => {
      if (called) return;
      called = true;
      resultCallback(result);
    };
    if (this._shutdown !== undefined) {
      once({ code: ExportResultCode.FAILED, error: new ExportFailure('otlp-shutdown', 'OTLP exporter is shut down.') });
      return;
    }
    try {
      this._official.export(spans, once);
    } catch (err) {
      once({ code: ExportResultCode.FAILED, error: toExportFailure(err, 'OTLP exporter') });
    }
  }

  forceFlush(): Promise<void> {
    return this._official.forceFlush().catch(() => undefined);
  }

  /**
   * Stops retrying, waits up to the export timeout for a request in flight, then closes the
   * HTTP connections. Never rejects.
   */
  shutdown(): Promise<void> {
    this._shutdown ??= this._doShutdown();
    return this._shutdown;
  }

  stats(): OtlpExporterStats {
    return { retries: this._retrying?.retries ?? 0 };
  }

  /**
   * While the process is ending (shutdown, `beforeExit`, a signal), a failed request is not
   * retried: waiting seconds for a collector that refuses connections only delays the exit.
   * Returns the function that turns retries back on.
   * @internal
   */
  pauseRetries(): () => void {
    return this._retrying?.pause() ?? (() => undefined);
  }

  private async _doShutdown(): Promise<void> {
    this._retrying?.close();
    // The span processor has already waited (within its own bound) for the export in flight; a
    // request still open now belongs to a collector that hangs, so it is cut rather than waited
    // for, and no socket of ours outlives shutdown().
    this._agent?.destroy();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.min(this._timeoutMillis, SHUTDOWN_GRACE_MILLIS));
      timer.unref();
    });
    try {
      await Promise.race([this._official.shutdown().catch(() => undefined), grace]);
    } finally {
      clearTimeout(timer);
      this._agent?.destroy();
    }
  }

  private async _createAgent(urlProtocol: string): Promise<HttpAgent> {
    const module = urlProtocol === 'https:' ? await import('node:https') : await import('node:http');
    checkAssumptions('agentSocketHooks');
    const agent = unrefSockets(new module.Agent({ keepAlive: true }));
    this._agent = agent;
    return agent;
  }
}

/**
 * Makes every socket of `agent` unref'ed, on creation and each time it is reused (Node's agent
 * refs a kept-alive socket again when it hands it to a request): an export in flight, even to
 * a collector that never answers, must not keep the process alive. Flushes that must finish
 * before exit hold the process themselves, within their bound.
 */
function unrefSockets<A extends HttpAgent>(agent: A): A {
  const internals = agent as unknown as {
    createConnection: (...args: unknown[]) => unknown;
    reuseSocket?: (socket: { unref?: () => void }, request: unknown) => void;
  };
  const create = internals.createConnection;
  internals.createConnection = function (this: unknown, ...args: unknown[]) {
    const socket = create.apply(this, args) as { unref?: () => void } | undefined;
    socket?.unref?.();
    return socket;
  };
  const reuse = internals.reuseSocket;
  if (typeof reuse === 'function') {
    internals.reuseSocket = function (this: unknown, socket, request) {
      reuse.call(this, socket, request);
      socket.unref?.();
    };
  }
  return agent;
}

/** Stands in when OTLP cannot work: fails every export with the reason, so it is counted and reported once. */
class UnavailableExporter implements OtlpExporter {
  readonly url: string;
  readonly protocol: OtlpProtocol;
  private readonly _reason: ExportFailure;

  constructor(url: string, protocol: OtlpProtocol, reason: ExportFailure) {
    this.url = url;
    this.protocol = protocol;
    this._reason = reason;
    errorOnce(reason.kind, reason.message);
    reason.reported = true;
  }

  export(_spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    resultCallback({ code: ExportResultCode.FAILED, error: this._reason });
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  stats(): OtlpExporterStats {
    return { retries: 0 };
  }
}

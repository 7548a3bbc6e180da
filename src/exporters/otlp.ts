import type { Agent as HttpAgent } from 'node:http';
import { ExportResultCode } from '../internal/sdk-core.js';
import type { ExportResult } from '../internal/sdk-core.js';
import type { ReadableSpan, SpanExporter } from '../internal/sdk.js';
import type * as OtlpProtoModule from '@opentelemetry/exporter-trace-otlp-proto';
import { errorOnce, reportOnce, warnOnce } from '../internal/diag.js';
import { checkAssumptions } from '../internal/node-assumptions.js';
import { describeError } from '../internal/safe-call.js';
import { ENDPOINT_OPTION_HINT, ExportFailure, toExportFailure } from './export-failure.js';
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

type OtlpModule = typeof OtlpProtoModule;

/**
 * Loads the official exporter package of each protocol on first use, so that apps without OTLP
 * do not pay for it. Each is a literal `import()`, the one form every bundler follows in both
 * of our builds (tsup turns it into a literal `require()` in the CommonJS one): a bundle holds
 * both packages, since the protocol is chosen at run time, and needs no node_modules beside it.
 * `webpackMode: "eager"` keeps them in the main chunk for webpack and ncc (a separate chunk
 * file is what a copied bundle would lose). Never a computed name: no bundler can follow one.
 */
const LOADERS: Record<OtlpProtocol, () => Promise<unknown>> = {
  'http/protobuf': () => import(/* webpackMode: "eager" */ '@opentelemetry/exporter-trace-otlp-proto'),
  'http/json': () => import(/* webpackMode: "eager" */ '@opentelemetry/exporter-trace-otlp-http'),
};

/** The exporter class of a loaded module, imported as CommonJS (named export or `default`) or ESM. */
function exporterClass(mod: unknown): OtlpModule['OTLPTraceExporter'] {
  const m = mod as Partial<OtlpModule> & { default?: Partial<OtlpModule> };
  const ctor = m.OTLPTraceExporter ?? m.default?.OTLPTraceExporter;
  if (typeof ctor !== 'function') throw new TypeError('the module has no OTLPTraceExporter export');
  return ctor;
}

type OfficialExporter = InstanceType<typeof OtlpProtoModule.OTLPTraceExporter>;
type OfficialConfig = NonNullable<ConstructorParameters<typeof OtlpProtoModule.OTLPTraceExporter>[0]>;

/**
 * Creates an OTLP/HTTP span exporter on top of the official
 * `@opentelemetry/exporter-trace-otlp-proto` (http/protobuf) or `-otlp-http` (http/json), loaded
 * here on first use so that apps without OTLP do not pay for them (asynchronously, starting
 * at once; exports made before it has loaded wait for it).
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
 * Never throws: when the endpoint is invalid, it reports once through `diag` and returns an
 * exporter that fails every export (so the processor drops and counts the spans); when the
 * package cannot be loaded, every export fails the same way, and the message (which names the
 * missing module and the fix for installs and bundles) goes to stderr if no `diag` logger is set.
 */
export function createOtlpExporter(options: OtlpExporterOptions = {}): OtlpExporter {
  return createOtlpExporterWithHint(options, ENDPOINT_OPTION_HINT);
}

/**
 * {@link createOtlpExporter} whose failure messages say how to change the URL with the setting
 * the user actually used (`endpointHint`, e.g. "fix OTEL_EXPORTER_OTLP_ENDPOINT ..."): init()
 * knows whether it came from code, which variable, or the default.
 * @internal
 */
export function createOtlpExporterWithHint(options: OtlpExporterOptions, endpointHint: string): OtlpExporter {
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
        `OTLP endpoint "${String(given)}" is not a valid http(s) URL; spans are not exported. To fix it, ${endpointHint}.`,
      ),
    );
  }
  return new OtlpTraceExporter(url, protocol, options, endpointHint);
}

const loading = new Map<OtlpProtocol, Promise<OtlpModule['OTLPTraceExporter'] | ExportFailure>>();

/**
 * The official exporter class for `protocol`, loaded once per process; when it cannot be loaded,
 * the failure (reported once, to stderr too when no `diag` logger is set: spans are lost).
 */
function loadExporterClass(protocol: OtlpProtocol): Promise<OtlpModule['OTLPTraceExporter'] | ExportFailure> {
  let promise = loading.get(protocol);
  if (promise === undefined) {
    promise = (async () => {
      try {
        return exporterClass(await LOADERS[protocol]());
      } catch (err) {
        const failure = unavailable(PACKAGES[protocol], protocol, err);
        reportOnce(failure.kind, failure.message);
        failure.reported = true;
        return failure;
      }
    })();
    loading.set(protocol, promise);
  }
  return promise;
}

/**
 * Why OTLP cannot work when `pkg` failed to load, naming the module actually missing (often a
 * dependency of `pkg`) and the fix for both ways an app is shipped.
 */
export function unavailable(pkg: string, protocol: OtlpProtocol, err: unknown): ExportFailure {
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(err instanceof Error ? err.message : String(err))?.[1];
  const cause =
    missing !== undefined
      ? `${missing === pkg ? pkg : `${missing} (needed by ${pkg})`} cannot be found`
      : `${pkg} failed to load (${describeError(err)})`;
  return new ExportFailure(
    'otlp-unavailable',
    `OTLP export (${protocol}) is off: ${cause}; spans are not exported. ` +
      `In an installed app, reinstall its dependencies (\`npm install tracelight\` brings ${pkg}). ` +
      `In a bundle (esbuild, webpack, ncc), bundle tracelight and @opentelemetry/* into it rather than marking them external, ` +
      `or ship node_modules with ${pkg} beside it; see "Bundling and serverless" in tracelight's README.`,
    err,
  );
}

/**
 * The official exporter with our retry layer, agent and error reporting. The official package
 * loads asynchronously (see {@link LOADERS}); exports, flushes and shutdown wait for it, which
 * takes milliseconds and starts at construction, in init().
 * @internal
 */
class OtlpTraceExporter implements OtlpExporter {
  readonly url: string;
  readonly protocol: OtlpProtocol;
  private _official: OfficialExporter | undefined;
  /** Why the official exporter is missing, once loading settled without it. */
  private _failure: ExportFailure | undefined;
  private readonly _ready: Promise<void>;
  private _retrying: CountingRetryingTransport | undefined;
  private readonly _timeoutMillis: number;
  private _agent: HttpAgent | undefined;
  private _shutdown: Promise<void> | undefined;

  constructor(url: string, protocol: OtlpProtocol, options: OtlpExporterOptions, endpointHint: string) {
    this.url = url;
    this.protocol = protocol;
    const timeoutMillis =
      typeof options.timeoutMillis === 'number' && Number.isFinite(options.timeoutMillis) && options.timeoutMillis > 0
        ? options.timeoutMillis
        : DEFAULT_TIMEOUT_MILLIS;
    this._timeoutMillis = timeoutMillis;
    this._ready = loadExporterClass(protocol).then((loaded) => {
      if (loaded instanceof ExportFailure) {
        this._failure = loaded;
        return;
      }
      try {
        this._official = new loaded({
          url,
          headers: { ...options.headers },
          timeoutMillis,
          // The official type is an enum whose values are these strings.
          compression: (options.compression === 'gzip' ? 'gzip' : 'none') as OfficialConfig['compression'],
          httpAgentOptions: (urlProtocol: string) => this._createAgent(urlProtocol),
        });
        this._retrying = installRetryLayer(this._official, url, { ...DEFAULT_RETRY_POLICY, ...options.retry }, endpointHint);
      } catch (err) {
        this._failure = unavailable(PACKAGES[protocol], protocol, err);
        reportOnce(this._failure.kind, this._failure.message);
        this._failure.reported = true;
      }
    });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let called = false;
    const once = (result: ExportResult): void => {
      if (called) return;
      called = true;
      resultCallback(result);
    };
    if (this._official === undefined && this._failure === undefined) {
      // Still loading (the first export of a process that exports at once): run when loaded.
      this._ready.then(() => this._export(spans, once)).catch(() => undefined);
      return;
    }
    this._export(spans, once);
  }

  private _export(spans: ReadableSpan[], once: (result: ExportResult) => void): void {
    if (this._shutdown !== undefined) {
      once({ code: ExportResultCode.FAILED, error: new ExportFailure('otlp-shutdown', 'OTLP exporter is shut down.') });
      return;
    }
    if (this._official === undefined) {
      once({ code: ExportResultCode.FAILED, error: this._failure });
      return;
    }
    try {
      this._official.export(spans, once);
    } catch (err) {
      once({ code: ExportResultCode.FAILED, error: toExportFailure(err, 'OTLP exporter') });
    }
  }

  async forceFlush(): Promise<void> {
    await this._ready;
    await this._official?.forceFlush().catch(() => undefined);
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
   * Returns the function that turns retries back on. Called before the official package has
   * loaded, the pause applies once it has (before the exports waiting for it run).
   * @internal
   */
  pauseRetries(): () => void {
    if (this._retrying !== undefined || this._official !== undefined || this._failure !== undefined) {
      return this._retrying?.pause() ?? (() => undefined);
    }
    let resumed = false;
    let resume: (() => void) | undefined;
    void this._ready.then(() => {
      if (!resumed) resume = this._retrying?.pause();
    });
    return () => {
      resumed = true;
      resume?.();
    };
  }

  private async _doShutdown(): Promise<void> {
    await this._ready;
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
      if (this._official !== undefined) await Promise.race([this._official.shutdown().catch(() => undefined), grace]);
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

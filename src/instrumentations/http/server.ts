/**
 * SERVER spans: one per incoming request, continuing the caller's trace, active for the whole
 * handler, ended when the response finishes or the connection closes first.
 * @internal
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { context, defaultTextMapGetter, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, ContextManager, Span, SpanOptions, TextMapPropagator } from '@opentelemetry/api';
import { RPCType, setRPCMetadata, suppressTracing } from '../../internal/sdk-core.js';
import type { RPCMetadata } from '../../internal/sdk-core.js';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import { errorOnce } from '../../internal/diag.js';
import { endSpanSafely, reportEndFailure } from '../../internal/end-span.js';
import { LIGHT_ROOT_CONTEXT } from '../../internal/light-context.js';
import { readableGlobals } from '../../internal/otel-globals.js';
import { ATTRIBUTES_OWNED, type OwnedAttributesFlag } from '../../internal/owned-attributes.js';
import { describeError, safeCall } from '../../internal/safe-call.js';
import { OTHER_ERROR, OTHER_METHOD } from './constants.js';
import { currentFinishListener } from './node-listeners.js';
import { getRequestState, setRequestState } from './request-state.js';
import type { RequestState } from './request-state.js';
import { captureHeaders } from './headers.js';
import { normalizeMethod, spanName } from './method.js';
import type { ResolvedHttpOptions } from './options.js';
import { httpTracer } from './tracer.js';
import { defaultPort, parseHostPort, redactQuery, splitTarget } from './url.js';
import type { HostPort } from './url.js';

/**
 * Everything about one handled request, in one object shared by `req` and `res` (one property
 * each instead of one per field keeps the per-request stores few).
 */
export interface ServerRequestState extends RequestState {
  /** The SERVER span (kept after it ended, for `getServerSpan`); undefined for an ignored request. */
  readonly span: Span | undefined;
  /** Whether `span` still has to be ended. */
  open: boolean;
  /** The method as recorded (`_OTHER` for unknown ones), for `setHttpRoute`. */
  readonly method: string;
  readonly options: ResolvedHttpOptions;
  /** The route `setHttpRoute` recorded, if any (it wins over one a framework put in `rpc`). */
  route: string | undefined;
  /**
   * The `RPCMetadata` of `@opentelemetry/core` on the request's context: framework
   * instrumentations from elsewhere (the official Express, Fastify, Koa ones) write the route
   * they matched into `rpc.route`, and the span takes it when it ends. Undefined when ignored.
   */
  readonly rpc: RPCMetadata | undefined;
}

/**
 * Marks the `RPCMetadata` tracelight put on a request's context, so that the coexistence check
 * (which reads the official instrumentation-http's metadata as "someone else traces this")
 * never mistakes ours for theirs. @internal
 */
export const OUR_RPC_METADATA = Symbol.for('tracelight.http.rpcMetadata');

type Listener = (this: unknown, ...args: unknown[]) => unknown;

/** Whether we already handled this request (e.g. global instrumentation plus `traceHandler`). */
export function isHandled(req: IncomingMessage): boolean {
  return getRequestState(req) !== undefined;
}

/** The state of a request we handled, if any. @internal */
export function serverRequestState(req: IncomingMessage): ServerRequestState | undefined {
  return getRequestState(req) as ServerRequestState | undefined;
}

/**
 * Runs `fn.apply(thisArg, args)` for the request `req`/`res` inside a new SERVER span (or, for an
 * ignored request, with tracing suppressed). Our own failures are reported once and the handler
 * then runs untraced; the handler's result and errors pass through untouched.
 */
export function runInServerSpan(
  options: ResolvedHttpOptions,
  req: IncomingMessage,
  res: ServerResponse,
  fn: Listener,
  thisArg: unknown,
  args: ArrayLike<unknown>,
): unknown {
  let ctx: Context | undefined;
  try {
    ctx = startServerSpan(options, req, res);
  } catch (err) {
    errorOnce('http.server.start', `could not start a span for an incoming request (${describeError(err)}); it runs untraced.`);
  }
  if (ctx === undefined) return fn.apply(thisArg, args as unknown[]);
  // The registered manager itself, as `context.with` would call it, without the API's lookup.
  const manager = readableGlobals()?.context as ContextManager | undefined;
  return (manager !== undefined ? manager : context).with(ctx, applyListener, undefined, fn, thisArg, args);
}

/** `fn.apply(thisArg, args)`, as a plain function: no bound function per request. */
function applyListener(fn: Listener, thisArg: unknown, args: ArrayLike<unknown>): unknown {
  return fn.apply(thisArg, args as unknown[]);
}

function startServerSpan(options: ResolvedHttpOptions, req: IncomingMessage, res: ServerResponse): Context {
  const target = splitTarget(req.url ?? '/');
  const method = req.method ?? 'GET';
  if (options.ignoreIncoming !== undefined) {
    const ignore = options.ignoreIncoming;
    if (safeCall('http.ignoreIncoming', 'the ignoreIncoming option', () => ignore(target.path, req)) === true) {
      const suppressed = suppressTracing(ROOT_CONTEXT);
      const ignored: ServerRequestState = {
        ctx: suppressed,
        nodeFinishListener: currentFinishListener(res),
        span: undefined,
        open: false,
        method,
        options,
        route: undefined,
        rpc: undefined,
      };
      setRequestState(req, res, ignored);
      return suppressed;
    }
  }

  const headers = req.headers;
  const normalized = normalizeMethod(method);
  const socket = req.socket as TLSSocket | undefined;
  const scheme = socket?.encrypted === true ? 'https' : 'http';
  // Literal keys (the values of the semantic-convention constants, checked in the tests): V8 builds
  // this object from a fixed template and adds the optional keys with cached transitions, where
  // keys computed from imported constants take a slower path on every request.
  const attributes: Attributes = {
    'http.request.method': normalized,
    'url.scheme': scheme,
    'url.path': target.path,
    'network.protocol.version': req.httpVersion,
  };
  if (normalized === OTHER_METHOD) attributes['http.request.method_original'] = method;
  if (target.query !== undefined) attributes['url.query'] = redactQuery(target.query, options.sensitiveQueryParams);
  const host = headers.host;
  if (host !== undefined && host.length > 0) {
    const hp = hostPort(host);
    attributes['server.address'] = hp.hostname;
    attributes['server.port'] = hp.port ?? defaultPort(scheme);
  }
  const userAgent = headers['user-agent'];
  if (userAgent !== undefined) attributes['user_agent.original'] = userAgent;
  // client.address: the original client (first X-Forwarded-For entry), else the peer. The peer
  // is recorded separately only when it differs (a proxy), to keep the common span small.
  const peer = socket === undefined ? undefined : peerAddress(socket);
  const forwarded = headers['x-forwarded-for'];
  const client = typeof forwarded === 'string' ? firstForwardedFor(forwarded) : undefined;
  if (client !== undefined) {
    attributes['client.address'] = client;
    if (peer !== undefined && peer !== client) attributes['network.peer.address'] = peer;
  } else if (peer !== undefined) {
    attributes['client.address'] = peer;
  }
  if (options.requestHeaders !== undefined) captureHeaders(attributes, options.requestHeaders, (n) => headers[n], options.sensitiveQueryParams);

  // The registered propagator itself, as `propagation.extract` would call it, without the API's lookup.
  const propagator = readableGlobals()?.propagation as TextMapPropagator | undefined;
  const parent =
    propagator !== undefined
      ? propagator.extract(LIGHT_ROOT_CONTEXT, headers, defaultTextMapGetter)
      : propagation.extract(LIGHT_ROOT_CONTEXT, headers);
  const spanOptions: SpanOptions & OwnedAttributesFlag = { kind: SpanKind.SERVER, attributes };
  spanOptions[ATTRIBUTES_OWNED] = true; // `attributes` is not used after this
  const span = httpTracer().startSpan(spanName(normalized), spanOptions, parent);
  // The RPCMetadata contract of @opentelemetry/core: what lets the official framework
  // instrumentations (Express, Fastify, Koa) name this span by the route they matched.
  const rpc: RPCMetadata & { [OUR_RPC_METADATA]?: true } = { type: RPCType.HTTP, span };
  rpc[OUR_RPC_METADATA] = true;
  const ctx = setRPCMetadata(trace.setSpan(parent, span), rpc);

  // Events of req/res are emitted from the connection's async context; the state makes 'data',
  // 'end', 'finish', 'close' listeners the handler adds see the request's span, and ends the
  // span from the response's emit of 'finish' or 'close' (see emitter-context.ts).
  const state: ServerRequestState = {
    ctx,
    nodeFinishListener: currentFinishListener(res),
    span,
    open: true,
    method: normalized,
    options,
    route: undefined,
    rpc,
  };
  setRequestState(req, res, state);

  if (options.serverRequestHook !== undefined) {
    const hook = options.serverRequestHook;
    safeCall('http.serverRequestHook', 'the serverRequestHook option', () => hook(span, req));
  }
  return ctx;
}

/** The last `Host` header parsed and its parts: a server sees the same one on most requests. */
let lastHost = '';
let lastHostPort: HostPort = { hostname: '', port: undefined };

/** `parseHostPort(host)`, reusing the last result for the same header (bench/instructions/run.sh). */
function hostPort(host: string): HostPort {
  if (host !== lastHost) {
    lastHostPort = parseHostPort(host);
    lastHost = host;
  }
  return lastHostPort;
}

/** Where {@link peerAddress} keeps a connection's peer address (module-private). */
const PEER_ADDRESS = Symbol('tracelight.http.peerAddress');

/**
 * The connection's peer address, read once per connection: `socket.remoteAddress` asks the
 * handle through megamorphic lookups on every call (see `bench/instructions/run.sh`),
 * and a keep-alive connection serves many requests from the same peer.
 */
function peerAddress(socket: TLSSocket): string | undefined {
  const holder = socket as TLSSocket & { [PEER_ADDRESS]?: string };
  let peer = holder[PEER_ADDRESS];
  if (peer === undefined) {
    peer = socket.remoteAddress;
    if (peer !== undefined) holder[PEER_ADDRESS] = peer;
  }
  return peer;
}

function firstForwardedFor(value: string): string | undefined {
  const comma = value.indexOf(',');
  const first = (comma === -1 ? value : value.slice(0, comma)).trim();
  return first.length > 0 ? first : undefined;
}

/**
 * Ends the SERVER span of `res` on 'finish' (done) or on a 'close' that came first (cut short):
 * the hook the emitter context calls. @internal
 */
export function onResponseEnd(res: object, state: RequestState, event: 'finish' | 'close'): void {
  const s = state as ServerRequestState;
  if (!s.open) return;
  // Runs inside Node's res.emit(): nothing may escape into it.
  try {
    const response = res as ServerResponse;
    endServerSpan(response, s, event === 'finish' ? undefined : closedErrorType(response));
  } catch (err) {
    reportEndFailure(err);
  }
}

/**
 * `error.type` of a response whose connection closed before it finished: the code of the error
 * Node recorded (`ECONNRESET` for a request body cut short), else `_OTHER` (the conventions'
 * fallback: e.g. a server timeout, or a client that left after sending its whole request).
 */
function closedErrorType(res: ServerResponse): string {
  const err = (res.req as IncomingMessage | undefined)?.errored ?? res.socket?.errored ?? undefined;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.length > 0) return code;
  return OTHER_ERROR;
}

function endServerSpan(res: ServerResponse, state: ServerRequestState, errorType: string | undefined): void {
  const span = state.span!;
  state.open = false;
  try {
    const options = state.options;
    const rpcRoute = state.rpc?.route;
    if (state.route === undefined && typeof rpcRoute === 'string' && rpcRoute.length > 0) {
      // Set by a framework instrumentation through RPCMetadata (once, here, however often it
      // wrote it while the request went through its layers).
      span.setAttribute(ATTR_HTTP_ROUTE, rpcRoute);
      span.updateName(spanName(state.method, rpcRoute));
    }
    let status = 0;
    if (errorType === undefined || res.headersSent) {
      status = res.statusCode;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    }
    if (errorType !== undefined) {
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the response finished' });
    } else if (status >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    if (options.responseHeaders !== undefined) {
      const attributes: Attributes = {};
      captureHeaders(attributes, options.responseHeaders, (n) => res.getHeader(n), options.sensitiveQueryParams);
      span.setAttributes(attributes);
    }
    if (options.serverResponseHook !== undefined) {
      const hook = options.serverResponseHook;
      const req = res.req as IncomingMessage;
      safeCall('http.serverResponseHook', 'the serverResponseHook option', () => hook(span, res, req));
    }
  } catch (err) {
    errorOnce('http.server.end', `could not complete a server span (${describeError(err)}).`);
  }
  endSpanSafely(span);
}

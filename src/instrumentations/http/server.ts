/**
 * SERVER spans: one per incoming request, continuing the caller's trace, active for the whole
 * handler, ended when the response finishes or the connection closes first.
 * @internal
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { errorOnce } from '../../internal/diag.js';
import { describeError, safeCall } from '../../internal/safe-call.js';
import { OTHER_ERROR, OTHER_METHOD, SERVER_SPAN } from './constants.js';
import { setEmitterContext, setResponseEndHook } from './emitter-context.js';
import { captureHeaders } from './headers.js';
import { normalizeMethod, spanName } from './method.js';
import type { ResolvedHttpOptions } from './options.js';
import { httpTracer } from './tracer.js';
import { defaultPort, parseHostPort, redactQuery, splitTarget } from './url.js';

/** On `req`: set once the request was handled by us (traced or ignored), so it is never traced twice. */
const HANDLED = Symbol('tracelight.http.handled');
/** On `res`: the open server span (removed when ended). */
const OPEN_SPAN = Symbol('tracelight.http.openSpan');
/** On `res`: the options the span was started with. */
const OPTIONS = Symbol('tracelight.http.options');
/** On `req`: the normalized method, for `setHttpRoute`. */
export const NORMALIZED_METHOD = Symbol('tracelight.http.method');

interface TracedRequest extends IncomingMessage {
  [HANDLED]?: true;
  [SERVER_SPAN]?: Span;
  [NORMALIZED_METHOD]?: string;
}

interface TracedResponse extends ServerResponse {
  [OPEN_SPAN]?: Span | undefined;
  [OPTIONS]?: ResolvedHttpOptions;
}

type Listener = (this: unknown, ...args: unknown[]) => unknown;

/** Whether we already handled this request (e.g. global instrumentation plus `traceHandler`). */
export function isHandled(req: IncomingMessage): boolean {
  return (req as TracedRequest)[HANDLED] === true;
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
    ctx = startServerSpan(options, req as TracedRequest, res as TracedResponse);
  } catch (err) {
    errorOnce('http.server.start', `could not start a span for an incoming request (${describeError(err)}); it runs untraced.`);
  }
  if (ctx === undefined) return fn.apply(thisArg, args as unknown[]);
  // `fn.apply` called with `fn` as `this`: no closure per request.
  return context.with(ctx, fn.apply, fn, thisArg, args as unknown[]);
}

function startServerSpan(options: ResolvedHttpOptions, req: TracedRequest, res: TracedResponse): Context {
  req[HANDLED] = true;
  const target = splitTarget(req.url ?? '/');
  if (options.ignoreIncoming !== undefined) {
    const ignore = options.ignoreIncoming;
    if (safeCall('http.ignoreIncoming', 'the ignoreIncoming option', () => ignore(target.path, req)) === true) {
      const suppressed = suppressTracing(ROOT_CONTEXT);
      setEmitterContext(req, res, suppressed);
      return suppressed;
    }
  }

  const headers = req.headers;
  const method = req.method ?? 'GET';
  const normalized = normalizeMethod(method);
  const socket = req.socket as TLSSocket | undefined;
  const scheme = socket?.encrypted === true ? 'https' : 'http';
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: normalized,
    [ATTR_URL_SCHEME]: scheme,
    [ATTR_URL_PATH]: target.path,
    [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
  };
  if (normalized === OTHER_METHOD) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  if (target.query !== undefined) attributes[ATTR_URL_QUERY] = redactQuery(target.query, options.sensitiveQueryParams);
  const host = headers.host;
  if (host !== undefined && host.length > 0) {
    const hp = parseHostPort(host);
    attributes[ATTR_SERVER_ADDRESS] = hp.hostname;
    attributes[ATTR_SERVER_PORT] = hp.port ?? defaultPort(scheme);
  }
  const userAgent = headers['user-agent'];
  if (userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  // client.address: the original client (first X-Forwarded-For entry), else the peer. The peer
  // is recorded separately only when it differs (a proxy), to keep the common span small.
  const peer = socket?.remoteAddress;
  const forwarded = headers['x-forwarded-for'];
  const client = typeof forwarded === 'string' ? firstForwardedFor(forwarded) : undefined;
  if (client !== undefined) {
    attributes[ATTR_CLIENT_ADDRESS] = client;
    if (peer !== undefined && peer !== client) attributes[ATTR_NETWORK_PEER_ADDRESS] = peer;
  } else if (peer !== undefined) {
    attributes[ATTR_CLIENT_ADDRESS] = peer;
  }
  if (options.requestHeaders !== undefined) captureHeaders(attributes, options.requestHeaders, (n) => headers[n]);

  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = httpTracer().startSpan(spanName(normalized), { kind: SpanKind.SERVER, attributes }, parent);
  const ctx = trace.setSpan(parent, span);

  req[SERVER_SPAN] = span;
  req[NORMALIZED_METHOD] = normalized;
  res[OPEN_SPAN] = span;
  res[OPTIONS] = options;
  // The span ends from the response's emit of 'finish' or 'close' (see emitter-context.ts).

  if (options.serverRequestHook !== undefined) {
    const hook = options.serverRequestHook;
    safeCall('http.serverRequestHook', 'the serverRequestHook option', () => hook(span, req));
  }
  // Events of req/res are emitted from the connection's async context; this makes 'data',
  // 'end', 'finish', 'close' listeners the handler adds see the request's span.
  setEmitterContext(req, res, ctx);
  return ctx;
}

function firstForwardedFor(value: string): string | undefined {
  const comma = value.indexOf(',');
  const first = (comma === -1 ? value : value.slice(0, comma)).trim();
  return first.length > 0 ? first : undefined;
}

/** Ends the SERVER span of `res` on 'finish' (done) or on a 'close' that came first (cut short). */
function onResponseEvent(res: object, event: 'finish' | 'close'): void {
  const traced = res as TracedResponse;
  if (traced[OPEN_SPAN] === undefined) return;
  endServerSpan(traced, event === 'finish' ? undefined : closedErrorType(traced));
}
setResponseEndHook(onResponseEvent);

/**
 * `error.type` of a response whose connection closed before it finished: the code of the error
 * Node recorded (`ECONNRESET` for a request body cut short), else `_OTHER` (the conventions'
 * fallback: e.g. a server timeout, or a client that left after sending its whole request).
 */
function closedErrorType(res: TracedResponse): string {
  const err = (res.req as IncomingMessage | undefined)?.errored ?? res.socket?.errored ?? undefined;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.length > 0) return code;
  return OTHER_ERROR;
}

function endServerSpan(res: TracedResponse, errorType: string | undefined): void {
  const span = res[OPEN_SPAN];
  if (span === undefined) return;
  res[OPEN_SPAN] = undefined;
  try {
    const options = res[OPTIONS]!;
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
      captureHeaders(attributes, options.responseHeaders, (n) => res.getHeader(n));
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
  span.end();
}

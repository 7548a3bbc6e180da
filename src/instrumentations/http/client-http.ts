/**
 * CLIENT spans for `http.request`/`http.get`/`https.*` (and every library built on them).
 *
 * Start: a wrapper of `_storeHeader` on the shared `http.ClientRequest.prototype`. Node calls it
 * exactly once per request, when the header block is built (from `end()`, the first `write()`,
 * `flushHeaders()`, or the constructor for the header-array and `Expect` forms), in the caller's
 * async context, and before anything is sent, so trace headers can always be added. The
 * `http.client.request.start` channel cannot serve: Node publishes it after the headers are
 * stored (`setHeader` would throw), and `http.client.request.created` (Node 22+, absent on 20)
 * comes after the header-array and `Expect` forms stored theirs. A prototype is shared by every
 * importer, so there is no import-order trap (patching `http.request` would miss a
 * `const { request } = require('http')` taken earlier).
 *
 * End: the `http.client.response.finish` channel (response headers received; every supported
 * Node), the `http.client.request.error` channel (Node 20.x late releases, 22, 24), and a 'close'
 * listener on the request as the safety net (aborts, and errors on Node versions without the
 * error channel, where the code is read from the socket's error).
 * @internal
 */
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { context } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { isTracingSuppressed } from '../../internal/sdk-core.js';
import { errorOnce, warnOnce } from '../../internal/diag.js';
import { describeError } from '../../internal/safe-call.js';
import { reportSteppingAside } from './coexistence.js';
import {
  endClientSpanWithError,
  endClientSpanWithResponse,
  mayPropagate,
  startClientSpan,
  traceHeaders,
} from './client-span.js';
import type { OutgoingTarget } from './client-span.js';
import type { ResolvedHttpOptions } from './options.js';
import { defaultPort, parseHostPort } from './url.js';

const SPAN = Symbol('tracelight.http.clientSpan');
const OPTIONS = Symbol('tracelight.http.clientOptions');

interface TracedClientRequest extends ClientRequest {
  /** The open span; `null` once ended (so a second `_storeHeader` never starts another). */
  [SPAN]?: Span | null;
  [OPTIONS]?: ResolvedHttpOptions;
}

type StoreHeader = (this: ClientRequest, firstLine: string, headers: unknown) => unknown;
type HeaderArray = Array<string | string[]> | Array<[string, string | string[]]>;

const proto = http.ClientRequest.prototype as unknown as { _storeHeader?: StoreHeader };

let current: ResolvedHttpOptions | undefined;
let original: StoreHeader | undefined;
let wrapper: StoreHeader | undefined;
let hadOwn = false;

function storeHeaderWrapper(this: TracedClientRequest, firstLine: string, headers: unknown): unknown {
  let h = headers;
  const options = current;
  if (options !== undefined && this[SPAN] === undefined) {
    try {
      h = onHeaders(options, this, headers);
    } catch (err) {
      errorOnce('http.client.start', `could not trace an outgoing http request (${describeError(err)}); it is sent untraced.`);
    }
  }
  return original!.call(this, firstLine, h);
}

function onHeaders(options: ResolvedHttpOptions, req: TracedClientRequest, headers: unknown): unknown {
  const parent = context.active();
  if (isTracingSuppressed(parent)) return headers;
  // A traceparent already there: another instrumentation (the official instrumentation-http
  // injects before Node builds the request) or the caller owns this hop. A span of ours would
  // not be the parent the next service sees, so we step aside.
  const isArray = Array.isArray(headers);
  if (isArray ? arrayHeader(headers as HeaderArray, 'traceparent') !== undefined : req.hasHeader('traceparent')) {
    reportSteppingAside('http.request');
    return headers;
  }
  const scheme = req.protocol === 'https:' ? 'https' : 'http';
  const hostHeader = hostOf(req, headers);
  const hp = hostHeader === undefined ? undefined : parseHostPort(hostHeader);
  const hostname = req.host ?? hp?.hostname ?? 'localhost';
  const port = hp?.port ?? defaultPort(scheme);
  const authority = hostHeader ?? (hostname.includes(':') ? `[${hostname}]` : hostname);
  const path = req.path;
  // Through a proxy (Node 24's NODE_USE_ENV_PROXY) the path is already the absolute URL.
  const url = path.charCodeAt(0) === 47 /* / */ ? `${scheme}://${authority}${path}` : path;
  const target: OutgoingTarget = { method: req.method, url, hostname, port };
  const span = startClientSpan(options, parent, 'http', target, req, isArray ? undefined : (n) => req.getHeader(n));
  if (span === undefined) return headers;
  req[SPAN] = span;
  req[OPTIONS] = options;
  req.on('close', onRequestClose);
  if (!mayPropagate(options, target)) return headers;
  const carrier = traceHeaders(parent, span);
  try {
    return isArray ? withArrayHeaders(headers as HeaderArray, carrier) : withObjectHeaders(req, headers, carrier);
  } catch (err) {
    warnOnce('http.client.inject', `could not add trace headers to an outgoing http request (${describeError(err)}); it is sent without them.`);
    return headers;
  }
}

/** The Host header about to be sent, from either header form. */
function hostOf(req: ClientRequest, headers: unknown): string | undefined {
  if (Array.isArray(headers)) {
    const found = arrayHeader(headers as HeaderArray, 'host');
    return typeof found === 'string' ? found : undefined;
  }
  const host = req.getHeader('host');
  return typeof host === 'string' ? host : undefined;
}

/**
 * Whether to leave a trace header out: the caller's own headers win, and a caller's
 * `traceparent` also keeps our `tracestate` out (they describe one position in a trace).
 */
function keepCallers(present: (name: string) => boolean, callerTraceparent: boolean, name: string): boolean {
  return present(name) || (name === 'tracestate' && callerTraceparent);
}

function withObjectHeaders(req: ClientRequest, headers: unknown, carrier: Record<string, string>): unknown {
  let added = false;
  const present = (n: string): boolean => req.hasHeader(n);
  const callerTraceparent = present('traceparent');
  for (const name of Object.keys(carrier)) {
    if (keepCallers(present, callerTraceparent, name)) continue;
    req.setHeader(name, carrier[name]!);
    added = true;
  }
  // With no header at all before, Node passed no header object: hand it the new ones.
  if (added && (headers === null || headers === undefined)) return req.getHeaders() as OutgoingHttpHeaders;
  return headers;
}

/** The header-array form (`headers: ['k', 'v', ...]` or `[['k', 'v'], ...]`): a copy with ours appended. */
function withArrayHeaders(headers: HeaderArray, carrier: Record<string, string>): HeaderArray {
  const nested = headers.length > 0 && Array.isArray(headers[0]);
  const present = (n: string): boolean => arrayHeader(headers, n) !== undefined;
  const out: unknown[] = headers.slice();
  const callerTraceparent = present('traceparent');
  for (const name of Object.keys(carrier)) {
    if (keepCallers(present, callerTraceparent, name)) continue;
    if (nested) out.push([name, carrier[name]!]);
    else out.push(name, carrier[name]!);
  }
  return out as HeaderArray;
}

function arrayHeader(headers: HeaderArray, name: string): unknown {
  if (headers.length > 0 && Array.isArray(headers[0])) {
    for (const pair of headers as Array<[string, unknown]>) {
      if (String(pair[0]).toLowerCase() === name) return pair[1];
    }
    return undefined;
  }
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() === name) return headers[i + 1];
  }
  return undefined;
}

function takeSpan(req: TracedClientRequest): Span | undefined {
  const span = req[SPAN];
  if (span === undefined || span === null) return undefined;
  req[SPAN] = null;
  return span;
}

function onResponse(message: unknown): void {
  try {
    const { request, response } = message as { request: TracedClientRequest; response: IncomingMessage };
    const span = takeSpan(request);
    if (span === undefined) return;
    endClientSpanWithResponse(
      span,
      request[OPTIONS]!,
      'http',
      response.statusCode ?? 0,
      response.httpVersion,
      request,
      response,
      (n) => response.headers[n],
    );
  } catch (err) {
    errorOnce('http.client.end', `could not complete a client span (${describeError(err)}).`);
  }
}

function onError(message: unknown): void {
  try {
    const { request, error } = message as { request: TracedClientRequest; error: unknown };
    const span = takeSpan(request);
    if (span !== undefined) endClientSpanWithError(span, error);
  } catch (err) {
    errorOnce('http.client.end', `could not complete a client span (${describeError(err)}).`);
  }
}

function onRequestClose(this: TracedClientRequest): void {
  const span = takeSpan(this);
  if (span === undefined) return;
  try {
    // No response and no error channel message: aborted, or an error on a Node without the channel.
    endClientSpanWithError(span, this.socket?.errored ?? { code: 'ECONNRESET', message: 'request closed before a response' });
  } catch (err) {
    errorOnce('http.client.end', `could not complete a client span (${describeError(err)}).`);
  }
}

/** Starts tracing outgoing `http`/`https` requests with `options`. @internal */
export function enableHttpClient(options: ResolvedHttpOptions): void {
  current = options;
  if (wrapper !== undefined) return;
  const existing = proto._storeHeader;
  if (typeof existing !== 'function') {
    warnOnce('http.client.patch', 'outgoing http requests cannot be traced on this Node.js version (ClientRequest#_storeHeader is missing); fetch is still traced.');
    return;
  }
  original = existing;
  hadOwn = Object.prototype.hasOwnProperty.call(proto, '_storeHeader');
  wrapper = storeHeaderWrapper as StoreHeader;
  proto._storeHeader = wrapper;
  dc.subscribe('http.client.response.finish', onResponse);
  dc.subscribe('http.client.request.error', onError);
}

/** Stops tracing outgoing `http`/`https` requests (spans already open still end). @internal */
export function disableHttpClient(): void {
  current = undefined;
  if (wrapper === undefined) return;
  // Only undo our wrapper when it is still the outermost; otherwise it stays, passing through.
  if (proto._storeHeader === wrapper) {
    if (hadOwn) proto._storeHeader = original;
    else delete proto._storeHeader;
    wrapper = undefined;
    original = undefined;
  }
  // Channel subscriptions stay while the wrapper does, so open spans still end.
  if (wrapper === undefined) {
    dc.unsubscribe('http.client.response.finish', onResponse);
    dc.unsubscribe('http.client.request.error', onError);
  }
}

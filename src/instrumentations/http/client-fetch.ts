/**
 * CLIENT spans for global `fetch` (Node's bundled undici) and the `undici` package, through
 * undici's `diagnostics_channel` events, which exist on every supported Node:
 * `undici:request:create` (published in the caller's async context, before the request is
 * written, with `request.addHeader` to add trace headers), `undici:request:headers` (response
 * headers received: the span ends) and `undici:request:error`. Channels are global by name, so
 * this works whatever was imported first. Each redirect hop is its own request, so its own span.
 * @internal
 */
import dc from 'node:diagnostics_channel';
import { context } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { isTracingSuppressed } from '../../internal/sdk-core.js';
import { errorOnce, warnOnce } from '../../internal/diag.js';
import { describeError } from '../../internal/safe-call.js';
import {
  endClientSpanWithError,
  endClientSpanWithResponse,
  mayPropagate,
  startClientSpan,
  traceHeaders,
} from './client-span.js';
import { rawHeaderValues } from './headers.js';
import { anotherFetchInstrumentation, reportSteppingAside } from './coexistence.js';
import type { ResolvedHttpOptions } from './options.js';
import { parseOrigin } from './url.js';

const SPAN = Symbol('tracelight.http.fetchSpan');
const OPTIONS = Symbol('tracelight.http.fetchOptions');

/** The parts of undici's internal request object we use (stable across undici 5, 6 and 7). */
interface UndiciRequest {
  origin?: unknown;
  method?: string;
  path?: string;
  /** undici 6+: flat `[name, value, ...]`; undici 5 (Node 20.6–20.9): `'name: value\r\n...'`. */
  headers?: unknown;
  addHeader?: (name: string, value: string) => unknown;
  [SPAN]?: Span | null;
  [OPTIONS]?: ResolvedHttpOptions;
}

interface UndiciResponse {
  statusCode?: number;
  headers?: unknown[];
}

let current: ResolvedHttpOptions | undefined;
let subscribed = false;

function hasHeader(headers: unknown, name: string): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      const key = String(headers[i]);
      if (key.length === name.length && key.toLowerCase() === name) return true;
    }
    return false;
  }
  if (typeof headers === 'string') {
    const lower = '\r\n' + headers.toLowerCase();
    return lower.includes(`\r\n${name}:`);
  }
  return false;
}

function getHeader(headers: unknown, name: string): string[] | undefined {
  if (Array.isArray(headers)) return rawHeaderValues(headers, name);
  if (typeof headers === 'string') {
    let out: string[] | undefined;
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) (out ??= []).push(line.slice(colon + 1).trim());
    }
    return out;
  }
  return undefined;
}

function onCreate(message: unknown): void {
  const options = current;
  if (options === undefined) return;
  try {
    const request = (message as { request: UndiciRequest }).request;
    if (request === undefined || request === null || request[SPAN] !== undefined) return;
    const parent = context.active();
    if (isTracingSuppressed(parent)) return;
    // Another instrumentation (or the caller) owns this request's propagation: see coexistence.ts.
    if (hasHeader(request.headers, 'traceparent') || anotherFetchInstrumentation(onCreate)) {
      reportSteppingAside('fetch');
      return;
    }
    let origin = String(request.origin ?? '');
    if (origin.endsWith('/')) origin = origin.slice(0, -1);
    const { hostname, port } = parseOrigin(origin);
    const method = request.method ?? 'GET';
    const target = { method, url: origin + (request.path ?? '/'), hostname, port };
    const span = startClientSpan(options, parent, 'fetch', target, request, (n) => getHeader(request.headers, n));
    if (span === undefined) return;
    request[SPAN] = span;
    request[OPTIONS] = options;
    if (!mayPropagate(options, target) || typeof request.addHeader !== 'function') return;
    const carrier = traceHeaders(parent, span);
    for (const name of Object.keys(carrier)) {
      // Headers the caller set win.
      if (hasHeader(request.headers, name)) continue;
      try {
        request.addHeader(name, carrier[name]!);
      } catch (err) {
        warnOnce('http.fetch.inject', `could not add trace headers to a fetch request (${describeError(err)}); it is sent without them.`);
      }
    }
  } catch (err) {
    errorOnce('http.fetch.start', `could not trace a fetch request (${describeError(err)}); it is sent untraced.`);
  }
}

function takeSpan(request: UndiciRequest | undefined): Span | undefined {
  if (request === undefined || request === null) return undefined;
  const span = request[SPAN];
  if (span === undefined || span === null) return undefined;
  request[SPAN] = null;
  return span;
}

function onHeaders(message: unknown): void {
  try {
    const { request, response } = message as { request: UndiciRequest; response: UndiciResponse };
    const span = takeSpan(request);
    if (span === undefined) return;
    const raw = Array.isArray(response.headers) ? response.headers : [];
    endClientSpanWithResponse(span, request[OPTIONS]!, 'fetch', response.statusCode ?? 0, undefined, request, response, (n) =>
      rawHeaderValues(raw, n),
    );
  } catch (err) {
    errorOnce('http.fetch.end', `could not complete a fetch span (${describeError(err)}).`);
  }
}

function onError(message: unknown): void {
  try {
    const { request, error } = message as { request: UndiciRequest; error: unknown };
    const span = takeSpan(request);
    if (span !== undefined) endClientSpanWithError(span, error);
  } catch (err) {
    errorOnce('http.fetch.end', `could not complete a fetch span (${describeError(err)}).`);
  }
}

/** Starts tracing `fetch`/undici requests with `options`. @internal */
export function enableFetchClient(options: ResolvedHttpOptions): void {
  current = options;
  if (subscribed) return;
  subscribed = true;
  dc.subscribe('undici:request:create', onCreate);
  dc.subscribe('undici:request:headers', onHeaders);
  dc.subscribe('undici:request:error', onError);
}

/** Stops tracing `fetch`/undici requests. @internal */
export function disableFetchClient(): void {
  current = undefined;
  if (!subscribed) return;
  subscribed = false;
  dc.unsubscribe('undici:request:create', onCreate);
  dc.unsubscribe('undici:request:headers', onHeaders);
  dc.unsubscribe('undici:request:error', onError);
}

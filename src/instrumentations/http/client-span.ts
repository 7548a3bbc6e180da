/**
 * CLIENT spans, shared by the `http`/`https` and `fetch` paths: start (attributes, hooks,
 * propagation decision) and end (status, `error.type`).
 * @internal
 */
import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanOptions } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PROTOCOL_VERSION,
} from '@opentelemetry/semantic-conventions';
import { endSpanSafely, reportEndFailure } from '../../internal/end-span.js';
import { lightBase } from '../../internal/light-context.js';
import { ATTRIBUTES_OWNED, type OwnedAttributesFlag } from '../../internal/owned-attributes.js';
import { safeCall } from '../../internal/safe-call.js';
import { OTHER_ERROR, OTHER_METHOD } from './constants.js';
import { captureHeaders } from './headers.js';
import { normalizeMethod, spanName } from './method.js';
import type { OutgoingApi, ResolvedHttpOptions } from './options.js';
import { httpTracer } from './tracer.js';
import { redactUrl } from './url.js';

/** Where an outgoing request goes, as the client API knows it. */
export interface OutgoingTarget {
  method: string;
  /** The full URL as sent (not yet redacted). */
  url: string;
  hostname: string;
  port: number;
}

type HeaderGetter = (name: string) => string | string[] | number | undefined;

/**
 * Starts the CLIENT span of an outgoing request, child of `parent`; `undefined` when the request
 * is ignored by `ignoreOutgoing`. Never throws for a faulty option or hook.
 */
export function startClientSpan(
  options: ResolvedHttpOptions,
  parent: Context,
  api: OutgoingApi,
  target: OutgoingTarget,
  request: object,
  getRequestHeader: HeaderGetter | undefined,
): Span | undefined {
  if (options.ignoreOutgoing !== undefined) {
    const ignore = options.ignoreOutgoing;
    if (safeCall('http.ignoreOutgoing', 'the ignoreOutgoing option', () => ignore(target.url, target.method)) === true) {
      return undefined;
    }
  }
  const normalized = normalizeMethod(target.method);
  const url = redactUrl(target.url, options.sensitiveQueryParams);
  // Literal keys, as in server.ts: a fixed template instead of keys computed per request.
  const attributes: Attributes = {
    'http.request.method': normalized,
    'url.full': url,
    'server.address': target.hostname,
    'server.port': target.port,
  };
  if (normalized === OTHER_METHOD) attributes['http.request.method_original'] = target.method;
  if (options.requestHeaders !== undefined && getRequestHeader !== undefined) {
    captureHeaders(attributes, options.requestHeaders, getRequestHeader, options.sensitiveQueryParams);
  }
  const spanOptions: SpanOptions & OwnedAttributesFlag = { kind: SpanKind.CLIENT, attributes };
  spanOptions[ATTRIBUTES_OWNED] = true; // `attributes` is not used after this
  const span = httpTracer().startSpan(spanName(normalized), spanOptions, parent);
  if (options.clientRequestHook !== undefined) {
    const hook = options.clientRequestHook;
    safeCall('http.clientRequestHook', 'the clientRequestHook option', () =>
      hook(span, { api, method: target.method, url, request }),
    );
  }
  return span;
}

/** Whether trace headers may go to this target (`propagateTo`). */
export function mayPropagate(options: ResolvedHttpOptions, target: OutgoingTarget): boolean {
  if (options.propagateTo === undefined) return true;
  const allow = options.propagateTo;
  return safeCall('http.propagateTo', 'the propagateTo option', () => allow(target.url, target.hostname)) === true;
}

/**
 * The headers the global propagator wants to send for `span` (child of `parent`), as a plain
 * object: `traceparent`, `tracestate`, `baggage`, or whatever propagators are registered.
 */
export function traceHeaders(parent: Context, span: Span): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(lightBase(parent), span), carrier);
  return carrier;
}

/**
 * Ends a CLIENT span when the response headers arrived: status code, ERROR for 4xx and 5xx
 * (with `error.type` = the code), response headers and hook.
 */
export function endClientSpanWithResponse(
  span: Span,
  options: ResolvedHttpOptions,
  api: OutgoingApi,
  statusCode: number,
  protocolVersion: string | undefined,
  request: object,
  response: object,
  getResponseHeader: HeaderGetter,
): void {
  try {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
    if (protocolVersion !== undefined) span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, protocolVersion);
    if (statusCode >= 400) {
      span.setAttribute(ATTR_ERROR_TYPE, String(statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    if (options.responseHeaders !== undefined) {
      const attributes: Attributes = {};
      captureHeaders(attributes, options.responseHeaders, getResponseHeader, options.sensitiveQueryParams);
      span.setAttributes(attributes);
    }
    if (options.clientResponseHook !== undefined) {
      const hook = options.clientResponseHook;
      safeCall('http.clientResponseHook', 'the clientResponseHook option', () =>
        hook(span, { api, statusCode, request, response }),
      );
    }
  } catch (err) {
    reportEndFailure(err);
  }
  endSpanSafely(span);
}

/**
 * Ends a CLIENT span whose request failed before a response (connection refused, DNS failure,
 * reset, abort): ERROR, `error.type` = the error's code (`ECONNREFUSED`, `ENOTFOUND`), else its
 * name, else `_OTHER`.
 */
export function endClientSpanWithError(span: Span, error: unknown): void {
  try {
    span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
  } catch (err) {
    reportEndFailure(err);
  }
  endSpanSafely(span);
}

function errorType(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name.length > 0 && name !== 'Error') return name;
  }
  return OTHER_ERROR;
}

function errorMessage(error: unknown): string | undefined {
  if (error !== null && typeof error === 'object') {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return undefined;
}

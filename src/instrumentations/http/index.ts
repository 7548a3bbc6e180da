/**
 * HTTP server and client instrumentation: SERVER spans for `http`/`https` servers, CLIENT spans
 * and trace headers for `http.request`/`https.request`/`fetch`, by the stable HTTP semantic
 * conventions. Speaks only the OpenTelemetry API, so it works under any tracer provider.
 *
 * `init({ instrumentations: { http: true | options } })` turns it on; without `init`, call
 * {@link enableHttpInstrumentation}, or wrap one server's listener with {@link traceHandler}.
 *
 * How, with no import-order trap and no loader flag (Node 20.6+, 22, 24):
 * - servers: `emit` wrapped on the shared `http.Server`/`https.Server` prototypes ('request',
 *   'checkContinue', 'checkExpectation'), because a `diagnostics_channel` subscriber cannot make
 *   the span active for the listener; `emit` of `IncomingMessage`/`ServerResponse` runs their
 *   listeners in the request's context;
 * - `http`/`https` clients: `ClientRequest.prototype._storeHeader` wrapped (the one moment the
 *   headers can still be added, in every header form), ended by the `http.client.response.finish`
 *   and `http.client.request.error` channels, with a 'close' listener as fallback (Node 20.6 to
 *   the 20.x release that added the error channel);
 * - `fetch`/undici: the `undici:request:create`, `undici:request:headers` and
 *   `undici:request:error` channels only.
 * Client spans end when the response headers arrive (the conventions allow it), so a body that is
 * never read cannot leak a span. Headers the caller set are kept: a caller's own `traceparent`
 * is sent as is (and our `tracestate` is then left out); the CLIENT span is still recorded.
 * Requests made in a context with tracing suppressed (how exporters send) are never traced.
 * @module
 */
export { enableHttpInstrumentation, isHttpInstrumentationEnabled } from './enable.js';
export { traceHandler } from './trace-handler.js';
export { getServerSpan, setHttpRoute } from './route.js';
export { DEFAULT_SENSITIVE_QUERY_PARAMS } from './constants.js';
export type {
  HttpInstrumentationOptions,
  Matcher,
  OutgoingApi,
  OutgoingRequestInfo,
  OutgoingResponseInfo,
} from './options.js';

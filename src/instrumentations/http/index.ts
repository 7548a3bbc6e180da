/**
 * HTTP server and client instrumentation: SERVER spans for `http`/`https` servers, CLIENT spans
 * and W3C trace headers for `http.request`/`https.request`/`fetch`, by the stable HTTP semantic
 * conventions. Speaks only the OpenTelemetry API, so it works under any tracer provider.
 *
 * `init({ instrumentations: { http: true } })` turns it on; without `init`, call
 * {@link enableHttpInstrumentation}, or wrap one server's listener with {@link traceHandler}.
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

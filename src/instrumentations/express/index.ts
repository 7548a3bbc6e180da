/**
 * Express 4 and 5: the HTTP SERVER span of `tracelight/http` named by the route template that
 * matched (`GET /orgs/:org/repos/:repo`), with the errors Express met recorded on it, and
 * optional spans for handlers and middleware. `express` is never imported: the app you pass (or
 * the app a server hands its first request to, with `init({ instrumentations: { express: true } })`)
 * is all this entry looks at.
 *
 * How: `app.handle` is wrapped on the app itself, and the two request methods of the `Layer`
 * prototype of its Express copy are wrapped once (at the app's first request), so routers, routes
 * and sub-apps registered before or after are all seen; mount paths come from the layers
 * themselves. The route also reaches another HTTP instrumentation through `@opentelemetry/core`'s
 * `RPCMetadata`, as the official framework instrumentations do.
 * @module
 */
export { instrumentExpress, enableExpressInstrumentation } from './instrument.js';
export type { ExpressInstrumentationOptions } from './options.js';

/**
 * Where `@opentelemetry/api` 1.x keeps its globals: `globalThis[Symbol.for('opentelemetry.js.api.1')]`,
 * with `trace` (the API's proxy tracer provider, replaced by `trace.disable()`) and `context`
 * (the registered context manager itself). Reading it costs two property loads, where the API's
 * getters check versions on every call; `withSpan` uses it to notice `trace.disable()` and
 * `context.disable()`. An assumption about the API's internals: test/internal/assumptions.test.ts
 * fails if it changes.
 * @internal
 */
export interface OtelGlobals {
  trace?: unknown;
  context?: unknown;
  /** The registered `diag` logger; absent until `diag.setLogger()` (the API is silent then). */
  diag?: unknown;
}

const API_GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1');

/** The API's global registry, or `undefined` before anything was registered. @internal */
export function otelGlobals(): OtelGlobals | undefined {
  return (globalThis as { [API_GLOBAL_KEY]?: OtelGlobals })[API_GLOBAL_KEY];
}

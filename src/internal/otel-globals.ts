/**
 * Where `@opentelemetry/api` 1.x keeps its globals: `globalThis[Symbol.for('opentelemetry.js.api.1')]`,
 * with `version`, `trace` (the API's proxy tracer provider, replaced by `trace.disable()`),
 * `context` (the registered context manager itself) and `propagation` (the registered
 * propagator). Reading it costs two property loads, where the API's getters check versions on
 * every call; `withSpan` uses it to notice `trace.disable()` and `context.disable()`. An
 * assumption about the API's internals: test/internal/assumptions.test.ts fails if it changes.
 * @internal
 */
import { trace } from '@opentelemetry/api';

export interface OtelGlobals {
  version?: unknown;
  trace?: unknown;
  context?: unknown;
  /** The registered `diag` logger; absent until `diag.setLogger()` (the API is silent then). */
  diag?: unknown;
  propagation?: unknown;
}

const API_GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1');

/** The API's global registry, or `undefined` before anything was registered. @internal */
export function otelGlobals(): OtelGlobals | undefined {
  return (globalThis as { [API_GLOBAL_KEY]?: OtelGlobals })[API_GLOBAL_KEY];
}

/** A registry version this copy of the API was seen to accept. */
let acceptedVersion: string | undefined;

/**
 * The API's global registry when this copy of the API reads it (its `version` is compatible),
 * else `undefined`; then the caller goes through the API. An entry read from it is exactly what
 * the API's getter would return (`context.with`, `propagation.extract` and
 * `trace.getTracerProvider()` use the registered object, or a no-op one when the entry is
 * missing), without the API's version check per call (bench/instructions/run.sh: three such
 * lookups per request).
 *
 * Compatibility depends only on the version string, and is learnt from the API itself: it
 * returns the registry's `trace` entry from `trace.getTracerProvider()` only when it reads the
 * registry. Until a tracer provider is registered, this returns `undefined`.
 * @internal
 */
export function readableGlobals(): OtelGlobals | undefined {
  const g = otelGlobals();
  if (g === undefined) return undefined;
  const version = g.version;
  if (typeof version !== 'string' || version === '') return undefined;
  if (version === acceptedVersion) return g;
  if (g.trace === undefined || trace.getTracerProvider() !== g.trace) return undefined;
  acceptedVersion = version;
  return g;
}

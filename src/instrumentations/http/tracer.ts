import { trace } from '@opentelemetry/api';
import type { Tracer, TracerProvider } from '@opentelemetry/api';
import { readableGlobals } from '../../internal/otel-globals.js';
import { SCOPE_NAME } from './constants.js';

let cachedProvider: TracerProvider | undefined;
let cachedTracer: Tracer | undefined;

/**
 * The tracer for http spans, from whatever provider is global now. Cached per provider object so
 * the hot path skips the provider's tracer lookup, yet a provider registered later (or swapped
 * after `trace.disable()`) is picked up at once.
 * @internal
 */
export function httpTracer(): Tracer {
  // The registry's provider, as `trace.getTracerProvider()` returns it, without the API's lookup.
  const provider = (readableGlobals()?.trace as TracerProvider | undefined) ?? trace.getTracerProvider();
  if (provider !== cachedProvider || cachedTracer === undefined) {
    cachedProvider = provider;
    cachedTracer = provider.getTracer(SCOPE_NAME);
  }
  return cachedTracer;
}

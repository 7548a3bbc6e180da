import { trace } from '@opentelemetry/api';
import { readableGlobals } from './otel-globals.js';
import type { Tracer, TracerProvider } from '@opentelemetry/api';

/**
 * A function returning the tracer of instrumentation scope `name` from whatever provider is
 * global now. Cached per provider object, so the hot path skips the provider's tracer lookup,
 * yet a provider registered later (or swapped after `trace.disable()`) is picked up at once.
 * @internal
 */
export function scopedTracer(name: string): () => Tracer {
  let cachedProvider: TracerProvider | undefined;
  let cachedTracer: Tracer | undefined;
  return () => {
    // The registry's provider, as `trace.getTracerProvider()` returns it, without the API's lookup.
    const provider = (readableGlobals()?.trace as TracerProvider | undefined) ?? trace.getTracerProvider();
    if (provider !== cachedProvider || cachedTracer === undefined) {
      cachedProvider = provider;
      cachedTracer = provider.getTracer(name);
    }
    return cachedTracer;
  };
}

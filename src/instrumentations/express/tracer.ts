import { trace } from '@opentelemetry/api';
import type { Tracer, TracerProvider } from '@opentelemetry/api';
import { VERSION } from '../../version.js';

/** Instrumentation scope of the Express layer spans. @internal */
export const EXPRESS_SCOPE_NAME = 'tracelight/express';

let cachedProvider: TracerProvider | undefined;
let cachedTracer: Tracer | undefined;

/** The tracer for Express layer spans, from whatever provider is global now (cached per provider). @internal */
export function expressTracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (provider !== cachedProvider || cachedTracer === undefined) {
    cachedProvider = provider;
    cachedTracer = provider.getTracer(EXPRESS_SCOPE_NAME, VERSION);
  }
  return cachedTracer;
}

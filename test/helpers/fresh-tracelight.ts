import { context, propagation, trace } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { vi } from 'vitest';

export type Api = typeof import('../../src/index.js');

/**
 * A fresh copy of tracelight (module state and the process-wide state that copies share), with
 * the OpenTelemetry globals cleared: each test gets its own first init().
 */
export async function freshTracelight(): Promise<Api> {
  vi.resetModules();
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('tracelight.process-state.v1')];
  trace.disable();
  context.disable();
  propagation.disable();
  return import('../../src/index.js');
}

/** An exporter that keeps every span it is given, answering at once. */
export function collectingExporter(): SpanExporter & { spans: ReadableSpan[] } {
  const spans: ReadableSpan[] = [];
  return {
    spans,
    export(batch, done) {
      spans.push(...batch);
      done({ code: 0 });
    },
    shutdown: async () => {},
    forceFlush: async () => {},
  };
}

/**
 * Helpers to carry the trace context over custom transports (message headers, job payloads,
 * child-process environments), through whatever propagator is registered globally.
 * @module
 */
import { context, propagation } from '@opentelemetry/api';
import type { Context, TextMapGetter } from '@opentelemetry/api';

/**
 * Reads a key from a plain-object carrier: the exact key first, then a case-insensitive match,
 * since custom transports rarely normalize header case (`Traceparent`, `TRACEPARENT`).
 */
const caseInsensitiveGetter: TextMapGetter<Record<string, unknown>> = {
  get(carrier, key) {
    if (carrier === null || typeof carrier !== 'object') return undefined;
    const exact = carrier[key];
    if (exact !== undefined) return exact as string | string[];
    for (const k of Object.keys(carrier)) {
      if (k.length === key.length && k.toLowerCase() === key) return carrier[k] as string | string[] | undefined;
    }
    return undefined;
  },
  keys(carrier) {
    return carrier !== null && typeof carrier === 'object' ? Object.keys(carrier) : [];
  },
};

/**
 * Writes the context (`traceparent`, `tracestate`, `baggage`, … per the registered propagator)
 * into `carrier` and returns it, so `send(msg, { headers: injectContext() })` is one line.
 * Uses the active context unless one is given. Never throws: a failing propagator leaves the
 * carrier as it was.
 */
export function injectContext<C extends object = Record<string, string>>(
  carrier: C = {} as C,
  ctx: Context = context.active(),
): C {
  try {
    propagation.inject(ctx, carrier);
  } catch {
    // best effort
  }
  return carrier;
}

/**
 * Reads a context from `carrier` (header names matched case-insensitively), on top of the
 * active context. Returns the active context when the carrier holds nothing usable. Never
 * throws. Pass it as `parent` to `withSpan` to continue the
 * trace (and its baggage) in the handler.
 */
export function extractContext(carrier: unknown): Context {
  const active = context.active();
  try {
    return propagation.extract(active, carrier, caseInsensitiveGetter as TextMapGetter<unknown>);
  } catch {
    return active;
  }
}

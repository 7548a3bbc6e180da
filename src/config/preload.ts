import type { InstrumentationsOptions } from './options.js';

/** Instrumentations tracelight can enable by name. */
const KNOWN = ['http', 'express'] as const;

/**
 * Which instrumentations `tracelight/register` enables: all it knows, unless
 * `OTEL_NODE_ENABLED_INSTRUMENTATIONS` lists the wanted ones or `OTEL_NODE_DISABLED_INSTRUMENTATIONS`
 * removes some (the names and variables of OpenTelemetry's Node auto-instrumentation).
 */
export function preloadInstrumentations(env: Record<string, string | undefined> = process.env): InstrumentationsOptions {
  const names = (v: string | undefined) =>
    v
      ?.split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
  const enabled = names(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const disabled = names(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS) ?? [];
  const out: InstrumentationsOptions = {};
  for (const name of KNOWN) {
    out[name] = (enabled === undefined || enabled.includes(name)) && !disabled.includes(name);
  }
  return out;
}

import { EventEmitter } from 'node:events';
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import { warnOnce } from './diag.js';
import { otelGlobals } from './otel-globals.js';

/**
 * Every assumption tracelight makes about internals it does not own (Node.js, the OpenTelemetry
 * API and exporter packages), in one place. Each has a probe that checks it on the running
 * process, a canary test (test/internal/assumptions.test.ts, run on every Node version in CI)
 * that fails loudly when a new version breaks it, and a fallback the code takes when it does not
 * hold, reported once through `diag.warn` by {@link checkAssumptions}.
 *
 * The hot paths read these internals inline (a call per event would cost); this module is where
 * they are listed, checked and explained. One more has its own module, since probing it needs
 * the package: the official OTLP exporter's transport fields (src/exporters/official-transport.ts,
 * canary in test/exporters/official-transport.test.ts, run on both OpenTelemetry generations).
 * @internal
 */
export interface Assumption {
  /** What is assumed. */
  readonly what: string;
  /** Where it is relied on. */
  readonly usedBy: string;
  /** What happens when it does not hold. */
  readonly fallback: string;
  /** True when it holds on this process. */
  probe(): boolean;
}

export const ASSUMPTIONS = {
  clientRequestStoreHeader: {
    what: 'http.ClientRequest.prototype._storeHeader exists: Node calls it once per request, just before the headers are written',
    usedBy: 'src/instrumentations/http/client-http.ts',
    fallback: 'outgoing http/https requests get no CLIENT span and no trace headers (fetch is still traced)',
    probe: () => typeof (http.ClientRequest.prototype as { _storeHeader?: unknown })._storeHeader === 'function',
  },
  emitterEventsObject: {
    what: "an EventEmitter keeps its listeners in `_events[event]`: a function for one, an array for more (IncomingMessage and ServerResponse included)",
    usedBy: 'src/instrumentations/http/emitter-context.ts, node-listeners.ts',
    fallback: 'req/res events take the generic path (listenerCount per event), slower but correct',
    probe: () => {
      const emitter = new EventEmitter();
      const one = (): void => undefined;
      emitter.on('probe', one);
      const events = (emitter as { _events?: Record<string, unknown> })._events;
      if (typeof events !== 'object' || events === null || events['probe'] !== one) return false;
      emitter.on('probe', () => undefined);
      const res = new http.ServerResponse(new http.IncomingMessage(null as never));
      return Array.isArray(events['probe']) && typeof (res as { _events?: unknown })._events === 'object';
    },
  },
  httpServerPrototypes: {
    what: 'http.Server.prototype.emit, http.IncomingMessage.prototype.emit and http.ServerResponse.prototype.emit are shared by every server and request',
    usedBy: 'src/instrumentations/http/server-patch.ts, emitter-context.ts',
    fallback: 'incoming requests are not traced (traceHandler() still works)',
    probe: () =>
      typeof http.Server.prototype.emit === 'function' &&
      typeof http.IncomingMessage.prototype.emit === 'function' &&
      typeof http.ServerResponse.prototype.emit === 'function',
  },
  agentSocketHooks: {
    what: 'http.Agent creates sockets through `createConnection` and re-refs a kept-alive socket in `reuseSocket`',
    usedBy: 'src/exporters/otlp.ts (unrefSockets)',
    fallback: 'an OTLP export in flight may keep the process alive until it answers or times out',
    probe: () => {
      const agent = new http.Agent() as unknown as { createConnection?: unknown; reuseSocket?: unknown };
      return typeof agent.createConnection === 'function' && typeof agent.reuseSocket === 'function';
    },
  },
  channelSubscribers: {
    what: 'a diagnostics_channel Channel keeps its subscriber functions in the array `_subscribers`',
    usedBy: 'src/instrumentations/http/coexistence.ts (an undici instrumentation subscribed after ours)',
    fallback: 'fetch calls may get two CLIENT spans and two traceparent headers when the official instrumentation-undici is registered after init() (register it before, or turn one off)',
    probe: () => {
      const name = 'tracelight:assumption-probe';
      const subscriber = (): void => undefined;
      dc.subscribe(name, subscriber);
      try {
        const subscribers = (dc.channel(name) as unknown as { _subscribers?: unknown })._subscribers;
        return Array.isArray(subscribers) && subscribers.includes(subscriber);
      } finally {
        dc.unsubscribe(name, subscriber);
      }
    },
  },
  otelApiGlobals: {
    what: "@opentelemetry/api 1.x keeps its globals at globalThis[Symbol.for('opentelemetry.js.api.1')], `context` being the registered manager",
    usedBy: 'src/internal/otel-globals.ts (withSpan notices trace.disable() and context.disable())',
    fallback: "withSpan looks the context manager up through the API on every call (slower), and may not notice trace.disable()",
    probe: () => {
      const g = otelGlobals();
      return g === undefined || (typeof g === 'object' && typeof (g as { version?: unknown }).version === 'string');
    },
  },
} satisfies Record<string, Assumption>;

export type AssumptionName = keyof typeof ASSUMPTIONS;

/**
 * Probes the named assumptions (each once per process) and reports, once each through
 * `diag.warn`, those that do not hold and the fallback taken. Returns the names that hold.
 * Never throws.
 * @internal
 */
export function checkAssumptions(...names: AssumptionName[]): Set<AssumptionName> {
  const holding = new Set<AssumptionName>();
  for (const name of names) {
    let holds: boolean;
    try {
      holds = probeOnce(name);
    } catch {
      holds = false;
    }
    if (holds) holding.add(name);
    else {
      const a: Assumption = ASSUMPTIONS[name];
      warnOnce(
        `assumption:${name}`,
        `this Node.js ${process.version} breaks an assumption (${a.what}); fallback: ${a.fallback}. Please report it to tracelight.`,
      );
    }
  }
  return holding;
}

const probed = new Map<AssumptionName, boolean>();

function probeOnce(name: AssumptionName): boolean {
  let holds = probed.get(name);
  if (holds === undefined) {
    holds = ASSUMPTIONS[name].probe();
    probed.set(name, holds);
  }
  return holds;
}

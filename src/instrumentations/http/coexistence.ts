/**
 * Living beside another OpenTelemetry HTTP instrumentation (the official instrumentation-http
 * and instrumentation-undici, alone or through auto-instrumentations-node): whoever was there
 * first, a request gets exactly one SERVER or CLIENT span and one `traceparent`, and the trace
 * stays whole. The rule: the other instrumentation owns the requests it handles and tracelight
 * steps aside for them (it was registered on purpose, with its own options and hooks), saying
 * so once through `diag`. How each side is recognised, in either registration order:
 *
 * - server: the official instrumentation wraps `Server.prototype.emit` with shimmer. Wrapped
 *   after ours, it runs first and puts `RPCMetadata` (type HTTP) on the context it calls ours in;
 *   wrapped before ours, the `emit` we wrapped carries shimmer's `__wrapped` mark.
 * - http.request: the official instrumentation injects `traceparent` before Node builds the
 *   request, so it is already there when ours would add it.
 * - fetch: the official instrumentation adds `traceparent` in its `undici:request:create`
 *   subscriber. Subscribed before ours, the header is there; subscribed after, it is among the
 *   channel's subscribers (a bound `onRequestCreated`).
 * @internal
 */
import dc from 'node:diagnostics_channel';
import { context, diag } from '@opentelemetry/api';
import type { ContextManager } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '../../internal/sdk-core.js';
import { DIAG_PREFIX } from '../../internal/diag.js';
import { otelGlobals } from '../../internal/otel-globals.js';
import { OUR_RPC_METADATA } from './server.js';

const told = new Set<string>();

/** Says once per kind of request that another instrumentation handles it. @internal */
export function reportSteppingAside(what: 'server' | 'http.request' | 'fetch'): void {
  if (told.has(what)) return;
  told.add(what);
  const by = what === 'fetch' ? 'instrumentation-undici' : 'instrumentation-http';
  diag.info(
    `${DIAG_PREFIX}another instrumentation (such as OpenTelemetry's ${by}) already traces ${what === 'server' ? 'incoming requests' : `${what} calls`}; tracelight steps aside for them, so each request has one span and one traceparent. Turn one of the two off to silence this.`,
  );
}

/**
 * Whether another instrumentation handles the incoming request about to be emitted through
 * `original` (the `emit` our wrapper calls). Costs one property load, plus one context read.
 * @internal
 */
export function anotherServerInstrumentation(original: unknown): boolean {
  if ((original as { __wrapped?: unknown }).__wrapped === true) return true;
  // The registered manager straight from the API's registry: context.active() checks the API
  // version on every call, and this runs once per request.
  const manager = otelGlobals()?.context as ContextManager | undefined;
  const active = manager !== undefined ? manager.active() : context.active();
  const metadata = getRPCMetadata(active);
  // Ours (on the context of a request this server handles, e.g. a server started inside a
  // handler) is not another instrumentation.
  return metadata?.type === RPCType.HTTP && (metadata as { [OUR_RPC_METADATA]?: true })[OUR_RPC_METADATA] !== true;
}

const createChannel = dc.channel('undici:request:create');

/**
 * Whether an instrumentation subscribed to `undici:request:create` after ours will trace and
 * propagate the request too. Only looked at when the channel has more than one subscriber.
 * @internal
 */
export function anotherFetchInstrumentation(ours: unknown): boolean {
  const subscribers = (createChannel as unknown as { _subscribers?: unknown[] })._subscribers;
  if (!Array.isArray(subscribers) || subscribers.length < 2) return false;
  for (const fn of subscribers) {
    if (fn !== ours && typeof fn === 'function' && fn.name === 'bound onRequestCreated') return true;
  }
  return false;
}

/**
 * Makes the request's context active in `req`/`res` event listeners.
 *
 * `req` and `res` emit their events ('data', 'end', 'finish', 'close', ...) from the connection's
 * async context, not the handler's, so a listener the handler adds would otherwise see no span.
 * `context.bind(ctx, emitter)` fixes that but costs two patched emitters (a dozen closures) per
 * request. Instead, `emit` is wrapped once on the shared `IncomingMessage` and `ServerResponse`
 * prototypes: an object that carries a context (set by the server instrumentation) emits inside
 * `context.with(thatContext, ...)`; every other object (client responses, untraced requests)
 * takes the original path after one property check. Nothing is allocated per request.
 *
 * Switching context is skipped when nobody but us listens to the event, or when the context is
 * already active (events emitted synchronously from the handler): an `AsyncLocalStorage.run` per
 * event was measured at ~1.7 µs per request on Node 20. The SERVER span ends from here too
 * ({@link setResponseEndHook}), instead of from 'finish'/'close' listeners added per request.
 *
 * Installed on first use and left in place (it is inert for objects without a context), so it
 * works for servers created before it and whatever imported `node:http` first.
 * @internal
 */
import http from 'node:http';
import { context } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

/** On a traced `req`/`res`: the context its listeners run in. */
export const EMITTER_CONTEXT = Symbol('tracelight.http.emitterContext');

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

interface WithContext {
  [EMITTER_CONTEXT]?: Context;
  _events?: Record<string | symbol, unknown>;
}

type EndHook = (res: object, event: 'finish' | 'close') => void;

let installed = false;
let responseEndHook: EndHook | undefined;

/** Called (before any listener) when a traced `ServerResponse` emits 'finish' or 'close'. @internal */
export function setResponseEndHook(hook: EndHook): void {
  responseEndHook = hook;
}

/** Whether anyone listens to `event` (EventEmitter keeps listeners in `_events`; else ask it). */
function hasListeners(target: WithContext, event: string | symbol): boolean {
  const events = target._events;
  if (events !== undefined && events !== null && typeof events === 'object') return events[event] !== undefined;
  return (target as unknown as { listenerCount(e: string | symbol): number }).listenerCount(event) > 0;
}

function wrap(proto: { emit: Emit }, isResponse: boolean): void {
  const original = proto.emit;
  if (typeof original !== 'function') return;
  proto.emit = function emit(this: unknown, event: string | symbol): boolean {
    const target = this as WithContext;
    const ctx = target[EMITTER_CONTEXT];
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as [string | symbol, ...unknown[]];
    if (ctx === undefined) return original.apply(this, args);
    if (isResponse && (event === 'finish' || event === 'close') && responseEndHook !== undefined) {
      responseEndHook(target, event);
    }
    if (!hasListeners(target, event) || context.active() === ctx) return original.apply(this, args);
    return context.with(ctx, original.apply as (this: Emit, thisArg: unknown, args: unknown[]) => boolean, original, this, args);
  };
}

/** Wraps `emit` on the two prototypes, once per process. @internal */
export function installEmitterContext(): void {
  if (installed) return;
  installed = true;
  wrap(http.IncomingMessage.prototype as unknown as { emit: Emit }, false);
  wrap(http.ServerResponse.prototype as unknown as { emit: Emit }, true);
}

/** Runs the listeners of `req` and `res` in `ctx` from now on. @internal */
export function setEmitterContext(req: object, res: object, ctx: Context): void {
  (req as WithContext)[EMITTER_CONTEXT] = ctx;
  (res as WithContext)[EMITTER_CONTEXT] = ctx;
}

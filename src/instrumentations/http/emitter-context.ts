/**
 * Makes the request's context active in `req`/`res` event listeners.
 *
 * `req` and `res` emit their events ('data', 'end', 'finish', 'close', ...) from the connection's
 * async context, not the handler's, so a listener the handler adds would otherwise see no span.
 * `context.bind(ctx, emitter)` fixes that but costs two patched emitters (a dozen closures) per
 * request. Instead, `emit` is wrapped once on the shared `IncomingMessage` and `ServerResponse`
 * prototypes: an object that carries a request state (set by the server instrumentation) emits
 * inside `context.with(state.ctx, ...)`; every other object (client responses, untraced
 * requests) takes the original path after one property check. Nothing is allocated per event.
 *
 * Switching context is skipped when nobody but Node itself listens to the event, or when the
 * context is already active (events emitted synchronously from the handler): an
 * `AsyncLocalStorage.run` per event was measured at ~1.7 µs per request on Node 20. Node's own
 * listeners do not count: its 'finish' listener on `res` (there before the handler runs) is
 * recorded in the state, and its 'end' listener on `req` is learned once (node-listeners.ts).
 * The SERVER span ends from here too (the hook given to {@link installEmitterContext}), instead
 * of from 'finish'/'close' listeners added per request.
 *
 * Installed on first use and left in place (it is inert for objects without a state), so it
 * works for servers created before it and whatever imported `node:http` first.
 * @internal
 */
import http from 'node:http';
import { context } from '@opentelemetry/api';
import type { ContextManager } from '@opentelemetry/api';
import { readableGlobals } from '../../internal/otel-globals.js';
import { knownNodeEndListener, learnNodeEndListener, listenersOf } from './node-listeners.js';
import { REQUEST_STATE } from './request-state.js';
import type { RequestState, StateCarrier } from './request-state.js';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

interface Target extends StateCarrier {
  _events?: Record<string | symbol, unknown>;
}

/** Called (before any listener) when a traced `ServerResponse` emits 'finish' or 'close'. @internal */
export type ResponseEndHook = (res: object, state: RequestState, event: 'finish' | 'close') => void;

let responseEndHook: ResponseEndHook | undefined;
let installed = false;

/** `original.call(self, ...)` with exactly `n` of the given arguments: no array per event. */
function callEmit(
  original: Emit,
  self: unknown,
  n: number,
  event: string | symbol,
  a1: unknown,
  a2: unknown,
  a3: unknown,
): boolean {
  switch (n) {
    case 0:
      return (original as (this: unknown) => boolean).call(self);
    case 1:
      return original.call(self, event);
    case 2:
      return original.call(self, event, a1);
    case 3:
      return original.call(self, event, a1, a2);
    default:
      return original.call(self, event, a1, a2, a3);
  }
}

/** Emits with the request's context active: a handler's own listener is about to run. */
function emitInContext(
  original: Emit,
  self: unknown,
  state: RequestState,
  n: number,
  event: string | symbol,
  a1: unknown,
  a2: unknown,
  a3: unknown,
): boolean {
  // The registered manager itself, as the context API would call it, without the API's lookup.
  const manager = (readableGlobals()?.context as ContextManager | undefined) ?? context;
  // Emitted synchronously from the handler: the context is already there.
  if (manager.active() === state.ctx) return callEmit(original, self, n, event, a1, a2, a3);
  return manager.with(state.ctx, callEmit, undefined, original, self, n, event, a1, a2, a3);
}

/** `emit` with more than three event arguments, or on an odd emitter (both rare): one generic path. */
function makeEmitMany(original: Emit): Emit {
  return function emitMany(this: unknown, ...args: [string | symbol, ...unknown[]]): boolean {
    const state = (this as Target)[REQUEST_STATE];
    const self = this as { listenerCount(event: string | symbol): number };
    if (state === undefined || self.listenerCount(args[0]) === 0) return original.apply(this, args);
    if (context.active() === state.ctx) return original.apply(this, args);
    return context.with(state.ctx, original.apply as (this: Emit, t: unknown, a: unknown[]) => boolean, original, this, args);
  };
}

// The two wrappers below are separate function literals on purpose: V8 keeps type feedback per
// literal, so each sees only its own class's object shapes and its property loads stay fast
// (one shared literal made them megamorphic; `bench/instructions/run.sh` shows the difference).

function wrapIncomingMessage(proto: { emit: Emit }): void {
  const original = proto.emit;
  if (typeof original !== 'function') return;
  const emitMany = makeEmitMany(original);
  proto.emit = function emit(this: unknown, event: string | symbol, a1?: unknown, a2?: unknown, a3?: unknown): boolean {
    const n = arguments.length;
    // eslint-disable-next-line prefer-rest-params
    if (n > 4) return emitMany.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
    const state = (this as Target)[REQUEST_STATE];
    if (state !== undefined) {
      const events = (this as Target)._events;
      if (events === undefined || events === null || typeof events !== 'object') {
        // eslint-disable-next-line prefer-rest-params
        return emitMany.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
      }
      const listeners = events[event];
      // Nobody listens, or only Node ('end'): no context to switch to.
      if (listeners !== undefined && (event !== 'end' || listeners !== knownNodeEndListener())) {
        return emitInContext(original, this, state, n, event, a1, a2, a3);
      }
    }
    return callEmit(original, this, n, event, a1, a2, a3);
  };
}

function wrapServerResponse(proto: { emit: Emit }): void {
  const original = proto.emit;
  if (typeof original !== 'function') return;
  const emitMany = makeEmitMany(original);
  proto.emit = function emit(this: unknown, event: string | symbol, a1?: unknown, a2?: unknown, a3?: unknown): boolean {
    const n = arguments.length;
    // eslint-disable-next-line prefer-rest-params
    if (n > 4) return emitMany.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
    const state = (this as Target)[REQUEST_STATE];
    if (state === undefined) return callEmit(original, this, n, event, a1, a2, a3);
    const isFinish = event === 'finish';
    if ((isFinish || event === 'close') && responseEndHook !== undefined) {
      responseEndHook(this as object, state, isFinish ? 'finish' : 'close');
    }
    const events = (this as Target)._events;
    if (events === undefined || events === null || typeof events !== 'object') {
      // eslint-disable-next-line prefer-rest-params
      return emitMany.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
    }
    const listeners = events[event];
    if (listeners === undefined) return callEmit(original, this, n, event, a1, a2, a3);
    if (!isFinish || listeners !== state.nodeFinishListener) return emitInContext(original, this, state, n, event, a1, a2, a3);
    // Only Node listens to 'finish'. The first time, learn the 'end' listener it adds to `req`.
    if (knownNodeEndListener() !== undefined) return callEmit(original, this, n, event, a1, a2, a3);
    const req = (this as { req?: Target }).req;
    const hadEndListener = listenersOf(req, 'end') !== undefined;
    const result = callEmit(original, this, n, event, a1, a2, a3);
    learnNodeEndListener(req, hadEndListener);
    return result;
  };
}

/**
 * Wraps `emit` on the two prototypes, once per process; `onResponseEnd` is called when a traced
 * response emits 'finish' or 'close' (the server span's end path).
 * @internal
 */
export function installEmitterContext(onResponseEnd: ResponseEndHook): void {
  responseEndHook = onResponseEnd;
  if (installed) return;
  installed = true;
  wrapIncomingMessage(http.IncomingMessage.prototype as unknown as { emit: Emit });
  wrapServerResponse(http.ServerResponse.prototype as unknown as { emit: Emit });
}

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
 * 'finish' listener on `res` (there before the handler runs) is recorded in the state so it
 * alone does not count. The SERVER span ends from here too ({@link setResponseEndHook}),
 * instead of from 'finish'/'close' listeners added per request.
 *
 * Installed on first use and left in place (it is inert for objects without a state), so it
 * works for servers created before it and whatever imported `node:http` first.
 * @internal
 */
import http from 'node:http';
import { context } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

/**
 * Property holding the {@link RequestState} on a traced `req` and its `res` (the same object on
 * both). A registered symbol, so other copies of tracelight in the process find it too.
 */
export const REQUEST_STATE = Symbol.for('tracelight.http.request');

/** What `req`/`res` of a handled request carry. @internal */
export interface RequestState {
  /** The context their listeners run in. */
  readonly ctx: Context;
  /** `res`'s 'finish' listener(s) when the handler started (Node's own), or undefined. */
  readonly nodeFinishListener: unknown;
  /**
   * `req`'s 'end' listener Node adds while handling 'finish' (`clearIncoming`, when the request
   * was not read to its end), if the request had no 'end' listener before; else undefined.
   */
  nodeEndListener: unknown;
}

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

interface Target {
  [REQUEST_STATE]?: RequestState;
  _events?: Record<string | symbol, unknown>;
}

type EndHook = (res: object, state: RequestState, event: 'finish' | 'close') => void;

let installed = false;
let responseEndHook: EndHook | undefined;

/** Called (before any listener) when a traced `ServerResponse` emits 'finish' or 'close'. @internal */
export function setResponseEndHook(hook: EndHook): void {
  responseEndHook = hook;
}

/** `target`'s listeners of `event` as EventEmitter keeps them: undefined, a function or an array. */
function listenersOf(target: Target | undefined, event: string): unknown {
  const events = target?._events;
  return events !== undefined && events !== null && typeof events === 'object' ? events[event] : undefined;
}

/** Whether a listener other than Node's own ('finish' on `res`, 'end' on `req`) listens to `event`. */
function hasUserListeners(target: Target, state: RequestState, event: string | symbol): boolean {
  const events = target._events;
  if (events === undefined || events === null || typeof events !== 'object') {
    return (target as unknown as { listenerCount(e: string | symbol): number }).listenerCount(event) > 0;
  }
  const listeners = events[event];
  if (listeners === undefined) return false;
  if (event === 'finish') return listeners !== state.nodeFinishListener;
  if (event === 'end') return listeners !== state.nodeEndListener;
  return true;
}

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

function wrap(proto: { emit: Emit }, isResponse: boolean): void {
  const original = proto.emit;
  if (typeof original !== 'function') return;
  // Called with more than four arguments (rare): everything through one generic path.
  const emitMany = function emitMany(this: unknown, ...args: [string | symbol, ...unknown[]]): boolean {
    const state = (this as Target)[REQUEST_STATE];
    if (state === undefined || !hasUserListeners(this as Target, state, args[0]) || context.active() === state.ctx) {
      return original.apply(this, args);
    }
    return context.with(state.ctx, original.apply as (this: Emit, t: unknown, a: unknown[]) => boolean, original, this, args);
  };
  proto.emit = function emit(this: unknown, event: string | symbol, a1?: unknown, a2?: unknown, a3?: unknown): boolean {
    const n = arguments.length;
    // eslint-disable-next-line prefer-rest-params
    if (n > 4) return emitMany.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
    const target = this as Target;
    const state = target[REQUEST_STATE];
    if (state === undefined) return callEmit(original, this, n, event, a1, a2, a3);
    if (isResponse && (event === 'finish' || event === 'close') && responseEndHook !== undefined) {
      responseEndHook(target, state, event);
    }
    if (!hasUserListeners(target, state, event) || context.active() === state.ctx) {
      if (!isResponse || event !== 'finish') return callEmit(original, this, n, event, a1, a2, a3);
      // Only Node listens: what it adds to `req` 'end' meanwhile is its own too (see RequestState).
      const req = (this as { req?: Target }).req;
      const hadEndListener = listenersOf(req, 'end') !== undefined;
      const result = callEmit(original, this, n, event, a1, a2, a3);
      if (!hadEndListener) state.nodeEndListener = listenersOf(req, 'end');
      return result;
    }
    return context.with(state.ctx, callEmit, undefined, original, this, n, event, a1, a2, a3);
  };
}

/** Wraps `emit` on the two prototypes, once per process. @internal */
export function installEmitterContext(): void {
  if (installed) return;
  installed = true;
  wrap(http.IncomingMessage.prototype as unknown as { emit: Emit }, false);
  wrap(http.ServerResponse.prototype as unknown as { emit: Emit }, true);
}

/** The 'finish' listener(s) `res` has now: Node's own, when called before the handler runs. @internal */
export function currentFinishListener(res: object): unknown {
  return listenersOf(res as Target, 'finish');
}

/** Attaches `state` to `req` and `res`: their listeners run in `state.ctx` from now on. @internal */
export function setRequestState(req: object, res: object, state: RequestState): void {
  (req as Target)[REQUEST_STATE] = state;
  (res as Target)[REQUEST_STATE] = state;
}

/** The state attached to `req` or `res`, if any. @internal */
export function getRequestState(target: object): RequestState | undefined {
  return (target as Target)[REQUEST_STATE];
}

/**
 * Node's own listeners on a server's `req` and `res`, told apart from the handler's: switching
 * context for an event only Node listens to is wasted work (an `AsyncLocalStorage.run` per event
 * was measured at ~1.7 µs per request on Node 20, bench/http.bench.ts). Reads EventEmitter's
 * `_events` (see src/internal/node-assumptions.ts, `emitterEventsObject`).
 * @internal
 */

interface Emitter {
  _events?: Record<string | symbol, unknown>;
}

/**
 * Node's own 'end' listener on `req` (`clearIncoming`, which Node adds while handling 'finish'
 * when the request was not read to its end), learned from the first response that shows it. It is
 * one function for the whole process, so later requests compare against it instead of watching
 * `req` around every 'finish'. Should a Node version add another function, its 'end' events only
 * switch context needlessly.
 */
let nodeEndListener: unknown;

/** `target`'s listeners of `event` as EventEmitter keeps them: undefined, a function or an array. @internal */
export function listenersOf(target: object | undefined, event: string | symbol): unknown {
  const events = (target as Emitter | undefined)?._events;
  return events !== undefined && events !== null && typeof events === 'object' ? events[event] : undefined;
}

/** The 'finish' listener(s) `res` has now: Node's own, when called before the handler runs. @internal */
export function currentFinishListener(res: object): unknown {
  return listenersOf(res, 'finish');
}

/** Node's own 'end' listener on `req`, once learned (else undefined). @internal */
export function knownNodeEndListener(): unknown {
  return nodeEndListener;
}

/**
 * Learns Node's 'end' listener from `req` just after Node handled 'finish', if `req` had none
 * before: by name too, since a 'http.server.response.finish' subscriber may add one meanwhile.
 * @internal
 */
export function learnNodeEndListener(req: object | undefined, hadEndListener: boolean): void {
  if (hadEndListener) return;
  const added = listenersOf(req, 'end');
  if (typeof added === 'function' && added.name === 'clearIncoming') nodeEndListener = added;
}

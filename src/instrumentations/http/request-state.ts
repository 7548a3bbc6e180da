/**
 * The state a traced request carries on its `req` and `res` (the same object on both): what the
 * emitter context and the server span's end path read. One property per object.
 * @internal
 */
import type { Context } from '@opentelemetry/api';

/**
 * Property holding the {@link RequestState} on a traced `req` and its `res`. A registered symbol,
 * so other copies of tracelight in the process find it too.
 */
export const REQUEST_STATE = Symbol.for('tracelight.http.request');

/** What `req`/`res` of a handled request carry. @internal */
export interface RequestState {
  /** The context their listeners run in. */
  readonly ctx: Context;
  /** `res`'s 'finish' listener(s) when the handler started (Node's own), or undefined. */
  readonly nodeFinishListener: unknown;
}

/** An object that may carry a {@link RequestState}. @internal */
export interface StateCarrier {
  [REQUEST_STATE]?: RequestState;
}

/** Attaches `state` to `req` and `res`: their listeners run in `state.ctx` from now on. @internal */
export function setRequestState(req: object, res: object, state: RequestState): void {
  (req as StateCarrier)[REQUEST_STATE] = state;
  (res as StateCarrier)[REQUEST_STATE] = state;
}

/** The state attached to `req` or `res`, if any. @internal */
export function getRequestState(target: object): RequestState | undefined {
  return (target as StateCarrier)[REQUEST_STATE];
}

/**
 * A mark a `Sampler` can carry to tell tracelight's tracer what it does not need, so the hot
 * path skips work for it. A process-global symbol: both builds (ESM and CommonJS) see it.
 * @module
 */

/**
 * `true` on a sampler that (a) decides a span with a local parent (`isRemote` not true) by the
 * parent's sampled flag alone, returning no attributes or trace state for it, and (b) never
 * reads or changes the attributes and links it is given. tracelight's tracer then decides
 * local children inline, as it does for the default sampler, and passes shared empty objects.
 * @internal
 */
export const FOLLOWS_LOCAL_PARENT: unique symbol = Symbol.for('tracelight.sampler.followsLocalParent') as never;

/** Whether `sampler` carries {@link FOLLOWS_LOCAL_PARENT}. @internal */
export function followsLocalParent(sampler: object): boolean {
  return (sampler as Record<symbol, unknown>)[FOLLOWS_LOCAL_PARENT] === true;
}

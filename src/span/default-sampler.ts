import { AlwaysOnSampler, ParentBasedSampler } from '../internal/sdk.js';
import type { Sampler } from '../internal/sdk.js';

/** Set on the `parentbased_always_on` samplers tracelight builds itself. @internal */
export const PARENT_BASED_ALWAYS_ON = Symbol('tracelight.parentBasedAlwaysOn');

/**
 * The official `ParentBasedSampler` with an `AlwaysOnSampler` root and the default delegates
 * (the specification's default sampler), marked so that tracelight's tracer can take its
 * decision without calling it: keep a span whose parent is sampled or that has no parent, drop
 * one whose parent is not sampled. The official sampler validates the parent's ids with regular
 * expressions on every child span; the tracer already knows the parent is valid.
 * @internal
 */
export function parentBasedAlwaysOn(): Sampler {
  const sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() });
  (sampler as unknown as Record<symbol, boolean>)[PARENT_BASED_ALWAYS_ON] = true;
  return sampler;
}

/** Whether `sampler` came from {@link parentBasedAlwaysOn}. @internal */
export function isParentBasedAlwaysOn(sampler: Sampler): boolean {
  return (sampler as unknown as Record<symbol, boolean | undefined>)[PARENT_BASED_ALWAYS_ON] === true;
}

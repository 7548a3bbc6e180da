import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '../internal/sdk.js';
import type { Sampler } from '../internal/sdk.js';
import { tellOnce } from '../internal/diag.js';
import { parentBasedAlwaysOn } from '../span/default-sampler.js';
import { resolveTailSampling, type ResolvedTailSampling } from '../sampling/tail-sampling-options.js';
import type { SamplerName, SamplingOptions } from './options.js';

/** The `sampler` option split in two: the head sampler, and tail sampling if asked for. */
export interface SamplingSetup {
  head: Sampler;
  tail: ResolvedTailSampling | undefined;
}

/**
 * Reads the `sampler` option: a {@link SamplingOptions} object gives its head ratio (parent-based;
 * record everything when absent) and its tail settings; anything else is a head sampler only.
 */
export function createSampling(
  choice: SamplerName | number | Sampler | SamplingOptions | undefined,
  ratioArg = 1,
): SamplingSetup {
  if (choice === null || typeof choice !== 'object' || typeof (choice as Sampler).shouldSample === 'function') {
    return { head: createSampler(choice as SamplerName | number | Sampler | undefined, ratioArg), tail: undefined };
  }
  const { ratio, tail } = choice as SamplingOptions;
  return {
    head: createSampler(typeof ratio === 'number' ? ratio : undefined, ratioArg),
    tail: tail === undefined ? undefined : resolveTailSampling(tail),
  };
}

/**
 * The sampler for a name of the specification (with its ratio argument), a bare ratio
 * (parent-based, so a trace is kept or dropped whole across services), or a `Sampler` as is.
 */
export function createSampler(choice: SamplerName | number | Sampler | undefined, ratioArg = 1): Sampler {
  if (choice !== undefined && typeof choice === 'object') return choice;
  if (typeof choice === 'number') {
    if (!(choice >= 0 && choice <= 1)) {
      tellOnce('config:sampler', `sampler ratio ${choice} is outside [0, 1]; sampling everything (parentbased_always_on).`);
      return parentBasedAlwaysOn();
    }
    return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(choice) });
  }
  switch (choice) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratioArg);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratioArg) });
    case undefined:
    case 'parentbased_always_on':
      return parentBasedAlwaysOn();
    default:
      tellOnce('config:sampler', `unknown sampler ${JSON.stringify(choice)}; using parentbased_always_on.`);
      return parentBasedAlwaysOn();
  }
}

import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '../internal/sdk.js';
import type { Sampler } from '../internal/sdk.js';
import { tellOnce } from '../internal/diag.js';
import { HeadSampler } from '../sampling/head-sampler.js';
import { probabilityToTh } from '../sampling/threshold.js';
import { parentBasedAlwaysOn } from '../span/default-sampler.js';
import { resolveTailSampling, type ResolvedTailSampling } from '../sampling/tail-sampling-options.js';
import type { SamplerName, SamplingOptions } from './options.js';

/** The highest `ratePerSecond` taken as is; more is clamped (no process starts more traces). */
export const MAX_RATE_PER_SECOND = 1_000_000;

/** `ratePerSecond` when `tracelight_ratelimit` is named without `OTEL_TRACES_SAMPLER_ARG`. */
export const DEFAULT_RATE_PER_SECOND = 100;

/** The `sampler` option split in two: the head sampler, and tail sampling if asked for. */
export interface SamplingSetup {
  head: Sampler;
  tail: ResolvedTailSampling | undefined;
}

/**
 * Reads the `sampler` option: the head sampler ({@link createSampler}), and the tail settings
 * of a {@link SamplingOptions} object that has `tail` (the head then records every trace unless
 * `ratio` or `ratePerSecond` is given too).
 */
export function createSampling(choice: SamplerName | number | SamplingOptions | Sampler | undefined, arg?: number): SamplingSetup {
  let tail: SamplingOptions['tail'];
  if (choice !== null && typeof choice === 'object' && typeof (choice as Sampler).shouldSample !== 'function') {
    try {
      tail = (choice as SamplingOptions).tail;
    } catch {
      // A getter that throws: no tail sampling.
    }
  }
  return { head: createSampler(choice, arg), tail: tail === undefined ? undefined : resolveTailSampling(tail) };
}

/**
 * The sampler for a name (with its argument: the ratio, or for `tracelight_ratelimit` the rate),
 * a bare ratio (consistent probability sampling, parent-based), {@link SamplingOptions}, or a
 * `Sampler` as is. Bad values warn once and sample everything (`parentbased_always_on`).
 */
export function createSampler(choice: SamplerName | number | SamplingOptions | Sampler | undefined, arg?: number): Sampler {
  if (choice !== undefined && choice !== null && typeof choice === 'object') {
    if (typeof (choice as Sampler).shouldSample === 'function') return choice as Sampler;
    return fromOptions(choice as SamplingOptions);
  }
  if (typeof choice === 'number') return fromOptions({ ratio: choice });
  const ratio = arg ?? 1;
  switch (choice) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'tracelight_probability':
      return fromOptions({ ratio });
    case 'tracelight_ratelimit':
      return fromOptions({ ratePerSecond: arg ?? DEFAULT_RATE_PER_SECOND });
    case undefined:
    case 'parentbased_always_on':
      return parentBasedAlwaysOn();
    default:
      tellOnce('config:sampler', `unknown sampler ${JSON.stringify(choice)}; using parentbased_always_on.`);
      return parentBasedAlwaysOn();
  }
}

/** The head sampler for `options`; the default sampler when they ask for nothing (or nothing valid). */
function fromOptions(options: SamplingOptions): Sampler {
  let ratio: number | undefined;
  let rate: number | undefined;
  try {
    ratio = options.ratio;
    rate = options.ratePerSecond;
  } catch {
    // A getter that throws: treated as unset.
  }
  if (ratio !== undefined && !(typeof ratio === 'number' && ratio >= 0 && ratio <= 1)) {
    tellOnce('config:sampler', `sampler ratio ${String(ratio)} is outside [0, 1]; sampling everything (parentbased_always_on). Give a probability such as 0.1.`);
    return parentBasedAlwaysOn();
  }
  if (rate !== undefined) {
    if (!(typeof rate === 'number' && rate >= 0 && rate <= Number.MAX_VALUE)) {
      tellOnce(
        'config:sampler',
        `sampler ratePerSecond ${String(rate)} is not a number of traces per second (>= 0); sampling everything (parentbased_always_on).`,
      );
      return parentBasedAlwaysOn();
    }
    if (rate > MAX_RATE_PER_SECOND) {
      tellOnce('config:sampler', `sampler ratePerSecond ${rate} is more than ${MAX_RATE_PER_SECOND}; using ${MAX_RATE_PER_SECOND}.`);
      rate = MAX_RATE_PER_SECOND;
    }
  }
  if (ratio === undefined && rate === undefined) return parentBasedAlwaysOn();
  let parentBased = true;
  try {
    parentBased = options.parentBased !== false;
  } catch {
    // as above
  }
  return new HeadSampler({
    th: ratio === undefined ? undefined : (probabilityToTh(ratio) ?? null),
    ratio,
    ratePerSecond: rate,
    parentBased,
  });
}

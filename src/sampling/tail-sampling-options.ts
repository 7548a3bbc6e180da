import { tellOnce } from '../internal/diag.js';

/**
 * Tail sampling in this process: every local span of a trace fragment is held until the
 * fragment's local root ends, then the whole fragment is exported or dropped. Each setting is
 * optional; see the README section "Keeping errors and slow traces (tail sampling)".
 */
export interface TailSamplingOptions {
  /** Keep fragments in which any span has status ERROR. Default `true`. */
  keepErrors?: boolean;
  /** Keep fragments whose local root took longer than this, in milliseconds. Default 1000; `Infinity` turns it off. */
  slowerThanMs?: number;
  /**
   * Probability in [0, 1] of keeping any other fragment, decided from the trace id's randomness
   * (its trailing 56 bits), so every process with the same baseline keeps the same traces.
   * Default 0.1. Kept fragments carry `tracelight.sampling.adjusted_count` = 1 / baseline.
   */
  baseline?: number;
  /** Fragments held at once; beyond it the oldest is decided early. Default 10 000. */
  maxFragments?: number;
  /** Spans held per fragment; later ones are dropped and counted. Default 1000. */
  maxSpansPerFragment?: number;
  /** A fragment whose root has not ended after this many milliseconds (checked every half of it, so up to 1.5 times as long) is decided anyway. Default 30 000. */
  decisionTimeoutMs?: number;
}

/**
 * Named tail sampling settings. `'keep-errors-and-slow'`: errors, roots slower than 1 s, and 10%
 * of the rest (the defaults of {@link TailSamplingOptions}).
 */
export type TailSamplingPreset = 'keep-errors-and-slow';

/** {@link TailSamplingOptions} with every default filled in and every value checked. @internal */
export interface ResolvedTailSampling {
  readonly keepErrors: boolean;
  readonly slowerThanMs: number;
  readonly baseline: number;
  readonly maxFragments: number;
  readonly maxSpansPerFragment: number;
  readonly decisionTimeoutMs: number;
}

/** The defaults, which `'keep-errors-and-slow'` names. @internal */
export const TAIL_SAMPLING_DEFAULTS: ResolvedTailSampling = Object.freeze({
  keepErrors: true,
  slowerThanMs: 1000,
  baseline: 0.1,
  maxFragments: 10_000,
  maxSpansPerFragment: 1000,
  decisionTimeoutMs: 30_000,
});

/**
 * Checks tail sampling settings: a value out of range is reported once (naming the setting) and
 * replaced by its default; an unknown preset or a non-object gives the defaults. Never throws.
 * @internal
 */
export function resolveTailSampling(given: TailSamplingOptions | TailSamplingPreset | true): ResolvedTailSampling {
  if (given === true || given === 'keep-errors-and-slow') return TAIL_SAMPLING_DEFAULTS;
  if (given === null || typeof given !== 'object') {
    tellOnce('config:sampler.tail', `sampler.tail ${String(given)} is neither an options object nor 'keep-errors-and-slow'; using 'keep-errors-and-slow'.`);
    return TAIL_SAMPLING_DEFAULTS;
  }
  const d = TAIL_SAMPLING_DEFAULTS;
  let o: TailSamplingOptions;
  try {
    o = { ...given };
  } catch {
    return d;
  }
  return Object.freeze({
    keepErrors: typeof o.keepErrors === 'boolean' ? o.keepErrors : check('keepErrors', o.keepErrors, d.keepErrors, () => false),
    slowerThanMs: check('slowerThanMs', o.slowerThanMs, d.slowerThanMs, (v) => typeof v === 'number' && v >= 0),
    baseline: check('baseline', o.baseline, d.baseline, (v) => typeof v === 'number' && v >= 0 && v <= 1),
    maxFragments: Math.floor(check('maxFragments', o.maxFragments, d.maxFragments, (v) => typeof v === 'number' && v >= 1 && Number.isFinite(v))),
    maxSpansPerFragment: Math.floor(
      check('maxSpansPerFragment', o.maxSpansPerFragment, d.maxSpansPerFragment, (v) => typeof v === 'number' && v >= 1 && Number.isFinite(v)),
    ),
    decisionTimeoutMs: check('decisionTimeoutMs', o.decisionTimeoutMs, d.decisionTimeoutMs, (v) => typeof v === 'number' && v > 0 && v <= 2_147_483_647),
  });
}

function check<T>(name: string, value: unknown, fallback: T, ok: (value: unknown) => boolean): T {
  if (value === undefined) return fallback;
  if (ok(value)) return value as T;
  tellOnce(`config:sampler.tail.${name}`, `sampler.tail.${name}=${String(value)} is out of range; using ${String(fallback)}.`);
  return fallback;
}

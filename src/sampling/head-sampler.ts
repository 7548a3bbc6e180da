/**
 * tracelight's head sampler: consistent probability sampling ("TraceState: Probability
 * Sampling") and/or a per-process rate limit for the traces a process starts, and parent-based
 * continuation that respects an incoming `th` for the rest.
 * @module
 */
import { TraceFlags, trace, type Attributes, type Context, type Link, type SpanContext, type SpanKind, type TraceState } from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '../internal/sdk.js';
import { warnOnce } from '../internal/diag.js';
import { FOLLOWS_LOCAL_PARENT } from '../internal/sampler-hints.js';
import { FLAG_RANDOM } from '../propagation/constants.js';
import { parseTraceState } from '../propagation/tracestate.js';
import { OT_KEY, readOtSampling, withTh } from './ot-trace-state.js';
import { randomValueAtLeast, traceIdAtLeast } from './randomness.js';
import { parseTh, type Value56 } from './threshold.js';
import { TokenBucket, type MillisClock } from './token-bucket.js';

/** How a {@link HeadSampler} decides. Values are already checked (see src/config/sampler.ts). */
export interface HeadSamplerSettings {
  /** The `th` of the sampling probability (e.g. `e666` for 10%), `'0'` for 100%; `null` for "never". Absent: no probability stage. */
  th?: string | null;
  /** The probability, for `toString`. */
  ratio?: number;
  /** New traces admitted per second (finite, >= 0). Absent: no rate limit. */
  ratePerSecond?: number;
  /**
   * `true` (the default): a span with a parent from another process follows the parent's
   * decision. `false`: this process decides for itself on such spans with the same consistent
   * randomness, so each service samples at its own probability and a trace kept upstream at a
   * lower probability is kept here too. Local children always follow their parent.
   */
  parentBased?: boolean;
  /** Milliseconds, monotonic; for tests of the rate limit. */
  clock?: MillisClock;
}

const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });
const KEEP: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });

/**
 * A `Sampler` (usable with tracelight's tracer or the official SDK's). For a span with a parent
 * it follows the parent (remote parents: see {@link HeadSamplerSettings.parentBased}); a sampled
 * remote parent's `th` is propagated unless it contradicts the sampled flag (randomness below
 * threshold), in which case it is erased, as the specification asks. For a new trace it applies
 * the probability (writing `ot=th:…` into the trace state, so every exported span carries the
 * adjusted count a backend reads) and then the rate limit. A rate-limited decision has no known
 * probability, so no `th` is written when a rate limit is set.
 */
export class HeadSampler implements Sampler {
  /** tracelight's tracer decides local children inline (see sampler-hints.ts). */
  readonly [FOLLOWS_LOCAL_PARENT] = true;
  private readonly _threshold: Value56 | null | undefined;
  private readonly _th: string | undefined;
  private readonly _bucket: TokenBucket | undefined;
  private readonly _followRemote: boolean;
  private readonly _description: string;
  /** The trace state of a kept new trace without incoming trace state: shared, it is immutable. */
  private readonly _rootKeep: SamplingResult;

  constructor(settings: HeadSamplerSettings) {
    const th = settings.th;
    this._threshold = th === undefined ? undefined : th === null ? null : parseTh(th) ?? null;
    this._bucket = settings.ratePerSecond === undefined ? undefined : new TokenBucket(settings.ratePerSecond, settings.clock);
    // A rate limit makes the probability unknown: write no threshold then.
    this._th = this._threshold && this._bucket === undefined ? th! : undefined;
    this._followRemote = settings.parentBased !== false;
    this._rootKeep =
      this._th === undefined
        ? KEEP
        : Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED, traceState: parseTraceState(`${OT_KEY}=th:${this._th}`) });
    const parts: string[] = [];
    if (th !== undefined) parts.push(`ratio=${settings.ratio ?? '?'}`, `th=${th ?? 'never'}`);
    if (settings.ratePerSecond !== undefined) parts.push(`ratePerSecond=${settings.ratePerSecond}`);
    parts.push(this._followRemote ? 'parentBased' : 'parentBased=local');
    this._description = `TracelightHeadSampler{${parts.join(', ')}}`;
  }

  shouldSample(context: Context, traceId: string, _name?: string, _kind?: SpanKind, _attributes?: Attributes, _links?: Link[]): SamplingResult {
    const parent = trace.getSpanContext(context);
    // The tracer gives a span its parent's trace id exactly when it accepted the parent as
    // valid (ours and the official one both do): a cheaper test than validating the ids again.
    if (parent !== undefined && parent.traceId === traceId) {
      if (parent.isRemote !== true) return (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? KEEP : DROP;
      if (this._followRemote) return followRemote(parent);
      if ((parent.traceFlags & FLAG_RANDOM) === 0 && this._threshold) presumedRandom();
      return this._decide(traceId, parent.traceState);
    }
    return this._decide(traceId, undefined);
  }

  /** The decision for a span this process decides on: a new trace, or a remote parent's child when not parent-based. */
  private _decide(traceId: string, state: TraceState | undefined): SamplingResult {
    const threshold = this._threshold;
    const ot = state?.get(OT_KEY);
    if (threshold !== undefined) {
      if (threshold === null) return DROP;
      const rv = ot === undefined ? undefined : readOtSampling(ot).rv;
      const keep = rv === undefined ? traceIdAtLeast(traceId, threshold) : randomValueAtLeast(rv, threshold);
      if (!keep) return DROP;
    }
    if (this._bucket !== undefined && !this._bucket.take()) return DROP;
    if (state === undefined) return this._rootKeep;
    if (this._th === undefined && ot === undefined) return KEEP;
    return { decision: SamplingDecision.RECORD_AND_SAMPLED, traceState: setOt(state, withTh(ot, this._th)) };
  }

  toString(): string {
    return this._description;
  }
}

/**
 * Says once (through `diag`, silent without a logger) that a caller's trace id is taken as random
 * without its `random` flag, as the specification asks of probability samplers during the
 * migration to Level 2 trace ids. An `rv` in the caller's `ot` entry makes it moot, but the
 * message names the common case.
 */
function presumedRandom(): void {
  warnOnce(
    'sampling:presumed-random',
    'a caller sent a trace id without the W3C random flag; consistent sampling assumes its last 56 bits are random. ' +
      'If a caller makes non-random trace ids, its traces are not sampled at the configured ratio.',
  );
}

/**
 * Parent-based continuation of a remote parent: its decision, and its `th` when consistent
 * with its sampled flag (rv, or the trace id's randomness, at least th); otherwise the `th` is
 * erased so that no backend reads a wrong adjusted count.
 */
function followRemote(parent: SpanContext): SamplingResult {
  if ((parent.traceFlags & TraceFlags.SAMPLED) === 0) return DROP;
  const state = parent.traceState;
  const ot = state?.get(OT_KEY);
  if (ot === undefined) return KEEP;
  const read = readOtSampling(ot);
  if (read.th !== undefined) {
    const consistent = read.rv === undefined ? traceIdAtLeast(parent.traceId, read.th) : randomValueAtLeast(read.rv, read.th);
    if (consistent) return KEEP;
  } else if (read.badTh !== true) return KEEP;
  return { decision: SamplingDecision.RECORD_AND_SAMPLED, traceState: setOt(state!, withTh(ot, undefined)) };
}

/**
 * `state` with its `ot` entry set to `ot`, or without it when `ot` is empty or could not be sent
 * in a header (tracelight's `TraceState.set` then returns the list unchanged): never a list that
 * still carries the threshold being replaced.
 */
function setOt(state: TraceState, ot: string): TraceState {
  if (ot === '') return state.unset(OT_KEY);
  const next = state.set(OT_KEY, ot);
  return next === state ? state.unset(OT_KEY) : next;
}

import { SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import type { ReadableSpan, SdkSpan, SpanProcessor } from '../internal/sdk.js';
import { errorOnce, warnOnce } from '../internal/diag.js';
import { ignoresSpanStart } from '../internal/ignores-span-start.js';
import { describeError } from '../internal/safe-call.js';
import { Fragment, type Decided } from './fragment.js';
import type { ResolvedTailSampling } from './tail-sampling-options.js';
import { admits, headThreshold, thresholdOf, traceRandomness, type Bits56 } from './trace-randomness.js';

/** Attribute on a kept fragment's local root: why it was kept. */
export const ATTR_SAMPLING_REASON = 'tracelight.sampling.reason';
/** Attribute on a kept fragment's local root: how many fragments it stands for (1 / probability of keeping it). */
export const ATTR_ADJUSTED_COUNT = 'tracelight.sampling.adjusted_count';

/** Why a fragment was kept. */
export type TailSamplingReason = 'error' | 'slow' | 'baseline';

/** How a fragment came to be decided: its last local root ended, or earlier. */
type DecidedBy = 'end' | 'timeout' | 'evicted' | 'flush';

/**
 * Counters of the tail sampling processor: fragments (the local spans of one trace) by outcome,
 * and spans. Every span it is handed is exported (passed on), in `spansDropped`, or in `spansHeld`.
 */
export interface TailSamplingStats {
  /** Fragments kept, all reasons. */
  kept: number;
  /** Fragments kept because a span had status ERROR. */
  keptError: number;
  /** Fragments kept because a local root was slower than `slowerThanMs`. */
  keptSlow: number;
  /** Fragments kept by the baseline probability. */
  keptBaseline: number;
  /** Fragments dropped. */
  dropped: number;
  /** Fragments decided early because `maxFragments` were held (included in kept/dropped). */
  evicted: number;
  /** Fragments decided after `decisionTimeoutMs` with a root still open (included in kept/dropped). */
  timedOut: number;
  /** Spans not passed on: of dropped fragments, or beyond `maxSpansPerFragment`. */
  spansDropped: number;
  /** Ended spans held now, waiting for their fragment's decision. */
  spansHeld: number;
  /** Fragments held now. */
  fragmentsHeld: number;
}

/**
 * A span processor that decides per trace fragment, after the fact, which spans to pass on to
 * the processors behind it (the batch processors of `init()`): it holds every local span of a
 * trace until the fragment's local root (a span whose parent is absent or remote) ends, then
 * passes the whole fragment on if any span has status ERROR, if a local root took longer than
 * `slowerThanMs`, or if the baseline probability admits the trace; otherwise it drops it.
 *
 * - The reason and the adjusted count go on the span whose end decided (the last local root) as
 *   `tracelight.sampling.reason` and `tracelight.sampling.adjusted_count`. The count is
 *   1 / (probability that a fragment like this one is kept): error and slow fragments are always
 *   kept, so they count 1 (times the head sampler's adjusted count when a consistent head sampler
 *   wrote `ot=th:` into the trace state); baseline ones count 1 / min(head probability, baseline).
 *   Summing the counts of what arrives estimates the number of fragments (Horvitz–Thompson).
 * - Bounded: at most `maxFragments` fragments and `maxSpansPerFragment` spans each are held. When
 *   a new fragment would exceed it, the oldest is decided now, as if its root ended now (slow if it
 *   has run longer than `slowerThanMs`), and counted in `evicted`. A fragment whose root has not
 *   ended after `decisionTimeoutMs` is decided the same way by an unref'ed timer, and all held
 *   fragments are on `forceFlush()` and `shutdown()`. Spans of a fragment that end after its
 *   decision follow it (while `maxFragments` such decisions are remembered; beyond that, a late
 *   span is decided on its own).
 * - Never throws into the code that ends a span: a processor behind it that throws is reported
 *   once through `diag` and skipped.
 * @internal Built by `src/config` from `sampler: { tail }`.
 */
export class TailSamplingProcessor implements SpanProcessor {
  private readonly _next: readonly SpanProcessor[];
  private readonly _starting: readonly SpanProcessor[];
  private readonly _options: ResolvedTailSampling;
  private readonly _baselineThreshold: Bits56;
  /** Fragments waiting for a decision, by trace id, oldest first. */
  private readonly _pending = new Map<string, Fragment>();
  /** Fragments decided with spans still open, by trace id, oldest decision first. */
  private readonly _decided = new Map<string, Decided>();
  /** The span whose `onEnding` decided its fragment, when it was the fragment's last open span. */
  private _lastSpan: ReadableSpan | undefined = undefined;
  private _lastKeep = false;
  /** The span `onEnding` last saw: `onEnd` of any other span means the provider skips `onEnding`. */
  private _ending: ReadableSpan | undefined = undefined;
  private _timer: NodeJS.Timeout | undefined = undefined;
  private _closed = false;

  private _keptError = 0;
  private _keptSlow = 0;
  private _keptBaseline = 0;
  private _dropped = 0;
  private _evicted = 0;
  private _timedOut = 0;
  private _spansDropped = 0;
  private _spansHeld = 0;

  constructor(next: readonly SpanProcessor[], options: ResolvedTailSampling) {
    this._next = next;
    this._starting = next.filter((p) => !ignoresSpanStart(p));
    this._options = options;
    this._baselineThreshold = thresholdOf(options.baseline);
  }

  onStart(span: SdkSpan, parentContext: Context): void {
    const starting = this._starting;
    for (let i = 0; i < starting.length; i++) {
      try {
        starting[i]!.onStart(span, parentContext);
      } catch (err) {
        reportNextError('onStart', err);
      }
    }
    const spanContext = span.spanContext();
    if ((spanContext.traceFlags & TraceFlags.SAMPLED) === 0 || this._closed) return;
    const traceId = spanContext.traceId;
    let fragment = this._pending.get(traceId);
    if (fragment === undefined) {
      const decided = this._decided.get(traceId);
      if (decided !== undefined) {
        decided.open++;
        return;
      }
      if (this._pending.size >= this._options.maxFragments) this._evictOldest();
      fragment = new Fragment(Date.now(), spanContext.traceState);
      this._pending.set(traceId, fragment);
      if (this._timer === undefined) this._startTimer(this._options.decisionTimeoutMs);
    }
    fragment.open++;
    if (isLocalRoot(span)) {
      fragment.openRoots++;
      fragment.root ??= span;
    }
  }

  /** A local root ending decides its fragment here, while the root can still take attributes. */
  onEnding(span: SdkSpan): void {
    for (const p of this._next) {
      try {
        p.onEnding?.(span);
      } catch (err) {
        reportNextError('onEnding', err);
      }
    }
    this._ending = span;
    this._spanEnding(span);
  }

  onEnd(span: ReadableSpan): void {
    const spanContext = span.spanContext();
    if ((spanContext.traceFlags & TraceFlags.SAMPLED) === 0 || this._closed) {
      this._pass(span);
      return;
    }
    if (span === this._lastSpan) {
      this._lastSpan = undefined;
      if (this._lastKeep) this._pass(span);
      else this._spansDropped++;
      return;
    }
    const traceId = spanContext.traceId;
    if (this._ending !== span) {
      // A provider that does not call onEnding (before SDK 2): decide here, as late as the span allows.
      this._spanEnding(span);
      if (span === this._lastSpan) {
        this.onEnd(span);
        return;
      }
    }
    this._ending = undefined;
    const fragment = this._pending.get(traceId);
    if (fragment !== undefined) {
      fragment.open--;
      if (fragment.spans.length < this._options.maxSpansPerFragment) {
        fragment.spans.push(span);
        this._spansHeld++;
      } else {
        fragment.overflow++;
        this._spansDropped++;
      }
      return;
    }
    const decided = this._decided.get(traceId);
    if (decided !== undefined) {
      if (--decided.open <= 0) this._decided.delete(traceId);
      if (decided.keep) this._pass(span);
      else this._spansDropped++;
      return;
    }
    // Its fragment was decided and forgotten (evicted): the span is a fragment of its own.
    const alone = new Fragment(Date.now(), spanContext.traceState);
    alone.open = 1;
    alone.error = span.status.code === SpanStatusCode.ERROR;
    alone.slow = isLocalRoot(span) && durationMs(span) > this._options.slowerThanMs;
    this._decide(traceId, alone, 'end', span);
    this._lastSpan = undefined;
    if (this._lastKeep) this._pass(span);
    else this._spansDropped++;
  }

  /**
   * Decides every held fragment now (as if its roots ended now), then flushes the processors
   * behind. Never rejects.
   */
  async forceFlush(): Promise<void> {
    this.decideHeld();
    await Promise.allSettled(this._next.map((p) => new Promise<void>((resolve) => resolve(p.forceFlush()))));
  }

  /** Decides every held fragment, stops the timer, and shuts the processors behind down. Never rejects. */
  async shutdown(): Promise<void> {
    if (!this._closed) {
      this.decideHeld();
      this._closed = true;
      this._stopTimer();
    }
    await Promise.allSettled(this._next.map((p) => new Promise<void>((resolve) => resolve(p.shutdown()))));
  }

  /** Counters; see {@link TailSamplingStats}. */
  stats(): TailSamplingStats {
    return {
      kept: this._keptError + this._keptSlow + this._keptBaseline,
      keptError: this._keptError,
      keptSlow: this._keptSlow,
      keptBaseline: this._keptBaseline,
      dropped: this._dropped,
      evicted: this._evicted,
      timedOut: this._timedOut,
      spansDropped: this._spansDropped,
      spansHeld: this._spansHeld,
      fragmentsHeld: this._pending.size,
    };
  }

  /** Counts the ending span in its fragment; the last local root to end (or the last span of a rootless fragment) decides. */
  private _spanEnding(span: ReadableSpan): void {
    const spanContext = span.spanContext();
    if ((spanContext.traceFlags & TraceFlags.SAMPLED) === 0 || this._closed) return;
    const traceId = spanContext.traceId;
    const fragment = this._pending.get(traceId);
    if (fragment === undefined) return;
    if (span.status.code === SpanStatusCode.ERROR) fragment.error = true;
    if (isLocalRoot(span)) {
      if (durationMs(span) > this._options.slowerThanMs) fragment.slow = true;
      if (--fragment.openRoots > 0) return;
    } else if (fragment.openRoots > 0 || fragment.open > 1) {
      return;
    }
    this._decide(traceId, fragment, 'end', span);
  }

  /**
   * Passes the fragment's held spans on, or drops them, and marks the kept fragment; `ending` is
   * the span whose end decided (only with `by` `'end'`; not held: its own `onEnd` passes it on).
   */
  private _decide(traceId: string, fragment: Fragment, by: DecidedBy, ending: ReadableSpan | undefined): void {
    this._pending.delete(traceId);
    const o = this._options;
    const slow = fragment.slow || (by !== 'end' && Date.now() - fragment.createdAt > o.slowerThanMs);
    let reason: TailSamplingReason | undefined;
    let probability = 1;
    if (o.keepErrors && fragment.error) reason = 'error';
    else if (slow) reason = 'slow';
    else if (admits(traceRandomness(traceId, fragment.traceState), this._baselineThreshold)) {
      reason = 'baseline';
      probability = o.baseline;
    }
    if (by === 'evicted') this._evicted++;
    else if (by === 'timeout') this._timedOut++;
    const held = fragment.spans;
    this._spansHeld -= held.length;
    // Spans still open follow the decision when they end.
    let open = fragment.open;
    if (ending !== undefined) {
      // Not held yet: its own onEnd passes it on or drops it.
      open--;
      this._lastSpan = ending;
      this._lastKeep = reason !== undefined;
    }
    if (open > 0) this._remember(traceId, { keep: reason !== undefined, open });
    if (reason === undefined) {
      this._dropped++;
      this._spansDropped += held.length;
      return;
    }
    if (reason === 'error') this._keptError++;
    else if (reason === 'slow') this._keptSlow++;
    else this._keptBaseline++;
    const head = headProbability(fragment);
    const marked = ending ?? fragment.root ?? held[0];
    if (marked !== undefined) mark(marked, reason, 1 / Math.min(probability, head));
    for (let i = 0; i < held.length; i++) this._pass(held[i]!);
  }

  private _remember(traceId: string, decided: Decided): void {
    const map = this._decided;
    if (map.size >= this._options.maxFragments) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(traceId, decided);
  }

  private _evictOldest(): void {
    const oldest = this._pending.entries().next();
    if (!oldest.done) this._decide(oldest.value[0], oldest.value[1], 'evicted', undefined);
  }

  /** Decides every held fragment now, as if its roots ended now (before the process exits). */
  decideHeld(): void {
    for (const [traceId, fragment] of [...this._pending]) this._decide(traceId, fragment, 'flush', undefined);
  }

  /** Decides fragments older than the timeout; runs again when the oldest left is due. */
  private _sweep(): void {
    this._timer = undefined;
    const timeout = this._options.decisionTimeoutMs;
    const now = Date.now();
    for (const [traceId, fragment] of this._pending) {
      const due = fragment.createdAt + timeout;
      if (due > now) {
        this._startTimer(due - now);
        return;
      }
      this._decide(traceId, fragment, 'timeout', undefined);
    }
  }

  private _startTimer(delay: number): void {
    if (this._closed) return;
    this._timer = setTimeout(() => {
      try {
        this._sweep();
      } catch (err) {
        errorOnce('sampling.tail.sweep', `tail sampling could not decide timed-out fragments (${describeError(err)}); please report it to tracelight.`);
      }
    }, Math.max(1, delay));
    this._timer.unref();
  }

  private _stopTimer(): void {
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timer = undefined;
  }

  /** Hands a span to the processors behind; one that throws is reported once and skipped. */
  private _pass(span: ReadableSpan): void {
    const next = this._next;
    for (let i = 0; i < next.length; i++) {
      try {
        next[i]!.onEnd(span);
      } catch (err) {
        reportNextError('onEnd', err);
      }
    }
  }
}

function isLocalRoot(span: ReadableSpan): boolean {
  const parent = span.parentSpanContext;
  return parent === undefined || parent.isRemote === true;
}

function durationMs(span: ReadableSpan): number {
  // `duration` may not be set yet in onEnding (ours sets it with `ended`): from start and end.
  const start = span.startTime;
  const end = span.endTime;
  return (end[0] - start[0]) * 1e3 + (end[1] - start[1]) / 1e6;
}

/** The probability with which the head sampler kept this trace, from its `ot=th:`; 1 without. */
function headProbability(fragment: Fragment): number {
  const t = headThreshold(fragment.traceState);
  if (t === undefined) return 1;
  return 1 - (t.hi * 2 ** 28 + t.lo) / 2 ** 56;
}

/**
 * Sets the reason and the adjusted count on `span`: through `setAttributes` while it records
 * (in `onEnding`), else, or if a limit or redaction kept them out, on its attributes directly.
 */
function mark(span: ReadableSpan, reason: TailSamplingReason, adjustedCount: number): void {
  try {
    const live = span as Partial<SdkSpan>;
    if (typeof live.isRecording === 'function' && live.isRecording() && typeof live.setAttributes === 'function') {
      live.setAttributes({ [ATTR_SAMPLING_REASON]: reason, [ATTR_ADJUSTED_COUNT]: adjustedCount });
    }
    const attributes = span.attributes as Attributes;
    if (attributes[ATTR_SAMPLING_REASON] !== reason) attributes[ATTR_SAMPLING_REASON] = reason;
    if (attributes[ATTR_ADJUSTED_COUNT] !== adjustedCount) attributes[ATTR_ADJUSTED_COUNT] = adjustedCount;
  } catch (err) {
    warnOnce('sampling.tail.mark', `tail sampling could not set ${ATTR_SAMPLING_REASON} on a kept span (${describeError(err)}); the span is exported without it.`);
  }
}

function reportNextError(hook: string, err: unknown): void {
  errorOnce(`sampling.tail.next.${hook}`, `a span processor behind tail sampling threw in ${hook} (${describeError(err)}); the span was kept, fix the processor.`);
}

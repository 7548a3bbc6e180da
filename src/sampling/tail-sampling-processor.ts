import { SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Attributes, Context, TraceState } from '@opentelemetry/api';
import type { ReadableSpan, SdkSpan, SpanProcessor } from '../internal/sdk.js';
import { errorOnce, warnOnce } from '../internal/diag.js';
import { ignoresSpanStart } from '../internal/ignores-span-start.js';
import { describeError } from '../internal/safe-call.js';
import { Fragment, type Decided } from './fragment.js';
import type { ResolvedTailSampling } from './tail-sampling-options.js';
import { admits, headProbability, randomnessHex, thresholdHex } from './trace-randomness.js';

/** Attribute on a kept fragment's local root: why it was kept. */
export const ATTR_SAMPLING_REASON = 'tracelight.sampling.reason';
/** Attribute on a kept fragment's local root: how many fragments it stands for (1 / probability of keeping it). */
export const ATTR_ADJUSTED_COUNT = 'tracelight.sampling.adjusted_count';

/** Why a fragment was kept. */
export type TailSamplingReason = 'error' | 'slow' | 'baseline';

/** The entry that keeps the Map of held fragments from shrinking; no trace id is empty. */
const PLACEHOLDER = new Fragment('', undefined, 0);
PLACEHOLDER.decided = true;

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
 *   ended after `decisionTimeoutMs` (checked every half of it, so within 1.5 times that) is
 *   decided the same way by an unref'ed timer, and all held
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
  /** The baseline's rejection threshold as 14 hex digits; undefined for a baseline of 0. */
  private readonly _baselineThreshold: string | undefined;
  /**
   * Fragments waiting for a decision, by trace id, plus one entry that stays (see
   * {@link PLACEHOLDER}): V8 shrinks a Map that a `delete` leaves under half full, and one
   * going from 1 entry to 0 on every decision paid for a new table each time.
   */
  private readonly _pending = new Map<string, Fragment>([[PLACEHOLDER.traceId, PLACEHOLDER]]);
  /**
   * The fragment looked up last: the spans of one fragment mostly start and end one after
   * another, and share their trace id string, so most lookups end here instead of in the Map.
   */
  private _cached: Fragment | undefined = undefined;
  /**
   * Fragments in creation order, decided ones included until they reach the head (or a
   * compaction): the oldest held one is found without iterating a Map full of deleted entries.
   */
  private _order: Fragment[] = [];
  private _head = 0;
  /**
   * Fragments decided with spans still open, by trace id, in two generations of at most half of
   * `maxFragments` each: when the young one is full it becomes the old one and the old one is
   * forgotten (its late spans are then decided on their own).
   */
  private _decidedYoung = new Map<string, Decided>();
  private _decidedOld = new Map<string, Decided>();
  /** The span whose `onEnding` decided its fragment, passed on or dropped by its own `onEnd`. */
  private _lastSpan: ReadableSpan | undefined = undefined;
  private _lastKeep = false;
  /** The span `onEnding` last saw: `onEnd` of any other span means the provider skips `onEnding`. */
  private _ending: ReadableSpan | undefined = undefined;
  /** Ticks every half timeout while fragments are held; a fragment times out 2 to 3 ticks after its creation. */
  private _tick = 0;
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
    this._baselineThreshold = thresholdHex(options.baseline);
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
    let fragment = this._lookup(traceId);
    if (fragment === undefined) {
      const decided = this._findDecided(traceId);
      if (decided !== undefined) {
        decided.open++;
        return;
      }
      fragment = this._create(traceId, spanContext.traceState);
    }
    fragment.open++;
    if (isLocalRoot(span)) {
      fragment.openRoots++;
      fragment.root ??= span;
    }
  }

  /** A local root ending decides its fragment here, while the root can still take attributes. */
  onEnding(span: SdkSpan): void {
    const next = this._next;
    for (let i = 0; i < next.length; i++) {
      const p = next[i]!;
      if (p.onEnding === undefined) continue;
      try {
        p.onEnding(span);
      } catch (err) {
        reportNextError('onEnding', err);
      }
    }
    this._ending = span;
    this._spanEnding(span);
  }

  onEnd(span: ReadableSpan): void {
    if (span === this._lastSpan) {
      this._lastSpan = undefined;
      if (this._lastKeep) this._pass(span);
      else this._spansDropped++;
      return;
    }
    const spanContext = span.spanContext();
    if ((spanContext.traceFlags & TraceFlags.SAMPLED) === 0 || this._closed) {
      this._pass(span);
      return;
    }
    if (this._ending !== span) {
      // A provider that does not call onEnding (before SDK 2): decide here, as late as the span allows.
      this._spanEnding(span);
      if (span === this._lastSpan) {
        this.onEnd(span);
        return;
      }
    }
    this._ending = undefined;
    const traceId = spanContext.traceId;
    const fragment = this._lookup(traceId);
    if (fragment !== undefined) {
      fragment.open--;
      if (fragment.spans.length < this._options.maxSpansPerFragment) {
        fragment.spans.push(span);
        this._spansHeld++;
      } else {
        this._spansDropped++;
      }
      return;
    }
    const decided = this._findDecided(traceId);
    if (decided !== undefined) {
      if (--decided.open <= 0) {
        this._decidedYoung.delete(traceId);
        this._decidedOld.delete(traceId);
      }
      if (decided.keep) this._pass(span);
      else this._spansDropped++;
      return;
    }
    // Its fragment was decided and forgotten: the span is a fragment of its own.
    const alone = new Fragment(traceId, spanContext.traceState, this._tick);
    alone.open = 1;
    alone.error = span.status.code === SpanStatusCode.ERROR;
    alone.slow = isLocalRoot(span) && durationMs(span) > this._options.slowerThanMs;
    this._decide(alone, 'end', span);
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

  /** Decides every held fragment now, as if its roots ended now (before the process exits). */
  decideHeld(): void {
    for (const fragment of [...this._pending.values()]) if (fragment !== PLACEHOLDER) this._decide(fragment, 'flush', undefined);
    this._order = [];
    this._head = 0;
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
      fragmentsHeld: this._pending.size - 1,
    };
  }

  private _create(traceId: string, traceState: TraceState | undefined): Fragment {
    const pending = this._pending;
    if (pending.size - 1 >= this._options.maxFragments) {
      const oldest = this._oldest();
      if (oldest !== undefined) this._decide(oldest, 'evicted', undefined);
    }
    const fragment = new Fragment(traceId, traceState, this._tick);
    pending.set(traceId, fragment);
    this._cached = fragment;
    const order = this._order;
    order.push(fragment);
    // Decided fragments behind a long-held one pile up in the queue: drop them now and then.
    if (order.length - this._head > 2 * this._options.maxFragments + 1024) {
      this._order = order.filter((f, i) => i >= this._head && !f.decided);
      this._head = 0;
    }
    if (this._timer === undefined) this._startTimer();
    return fragment;
  }

  /** The oldest fragment still held. */
  private _oldest(): Fragment | undefined {
    const order = this._order;
    let head = this._head;
    while (head < order.length && order[head]!.decided) head++;
    this._head = head;
    if (head > 1024 && head > order.length >> 1) {
      this._order = order.slice(head);
      this._head = 0;
    }
    return this._order[this._head];
  }

  private _lookup(traceId: string): Fragment | undefined {
    const cached = this._cached;
    if (cached !== undefined && cached.traceId === traceId) return cached;
    const fragment = this._pending.get(traceId);
    if (fragment !== undefined) this._cached = fragment;
    return fragment;
  }

  private _findDecided(traceId: string): Decided | undefined {
    if (this._decidedYoung.size === 0 && this._decidedOld.size === 0) return undefined;
    return this._decidedYoung.get(traceId) ?? this._decidedOld.get(traceId);
  }

  private _remember(traceId: string, decided: Decided): void {
    if (this._decidedYoung.size >= Math.max(1, this._options.maxFragments >> 1)) {
      this._decidedOld = this._decidedYoung;
      this._decidedYoung = new Map();
    }
    this._decidedYoung.set(traceId, decided);
  }

  /** Counts the ending span in its fragment; the last local root to end (or the last span of a rootless fragment) decides. */
  private _spanEnding(span: ReadableSpan): void {
    const spanContext = span.spanContext();
    if ((spanContext.traceFlags & TraceFlags.SAMPLED) === 0 || this._closed) return;
    const fragment = this._lookup(spanContext.traceId);
    if (fragment === undefined) return;
    if (span.status.code === SpanStatusCode.ERROR) fragment.error = true;
    if (isLocalRoot(span)) {
      if (durationMs(span) > this._options.slowerThanMs) fragment.slow = true;
      if (--fragment.openRoots > 0) return;
    } else if (fragment.openRoots > 0 || fragment.open > 1) {
      return;
    }
    this._decide(fragment, 'end', span);
  }

  /**
   * Passes the fragment's held spans on, or drops them, and marks the kept fragment; `ending` is
   * the span whose end decided (only with `by` `'end'`; not held: its own `onEnd` passes it on).
   */
  private _decide(fragment: Fragment, by: DecidedBy, ending: ReadableSpan | undefined): void {
    const traceId = fragment.traceId;
    this._pending.delete(traceId);
    fragment.decided = true;
    if (this._cached === fragment) this._cached = undefined;
    // Usually the oldest fragment is the one deciding: keep the queue short.
    const order = this._order;
    if (order[this._head] === fragment) {
      let head = this._head + 1;
      while (head < order.length && order[head]!.decided) head++;
      if (head === order.length) {
        order.length = 0;
        head = 0;
      }
      this._head = head;
    }
    const o = this._options;
    let reason: TailSamplingReason | undefined;
    let probability = 1;
    if (o.keepErrors && fragment.error) reason = 'error';
    else if (fragment.slow || (by !== 'end' && ageMs(fragment) > o.slowerThanMs)) reason = 'slow';
    else if (admits(randomnessHex(traceId, fragment.traceState), this._baselineThreshold)) {
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
      open--;
      this._lastSpan = ending;
      this._lastKeep = reason !== undefined;
    }
    if (open > 0) this._remember(traceId, { keep: reason !== undefined, open });
    if (reason === undefined) {
      this._dropped++;
      this._spansDropped += held.length;
      // The fragment may wait in the queue a while: let its spans go now.
      fragment.root = undefined;
      held.length = 0;
      return;
    }
    if (reason === 'error') this._keptError++;
    else if (reason === 'slow') this._keptSlow++;
    else this._keptBaseline++;
    const marked = ending ?? fragment.root ?? held[0];
    if (marked !== undefined) mark(marked, reason, 1 / Math.min(probability, headProbability(fragment.traceState)));
    for (let i = 0; i < held.length; i++) this._pass(held[i]!);
    fragment.root = undefined;
    held.length = 0;
  }

  /** One tick: decides the fragments created at least two ticks (one timeout) ago. */
  private _onTick(): void {
    this._timer = undefined;
    const cutoff = ++this._tick - 3;
    let fragment = this._oldest();
    while (fragment !== undefined && fragment.tick <= cutoff) {
      this._decide(fragment, 'timeout', undefined);
      fragment = this._oldest();
    }
    if (this._pending.size > 1) this._startTimer();
  }

  private _startTimer(): void {
    if (this._closed) return;
    this._timer = setTimeout(() => {
      try {
        this._onTick();
      } catch (err) {
        errorOnce('sampling.tail.tick', `tail sampling could not decide timed-out fragments (${describeError(err)}); please report it to tracelight.`);
      }
    }, Math.max(1, this._options.decisionTimeoutMs / 2));
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
  // Ours measures without building HrTimes; any other from its start and end times (`duration`
  // is not set yet in onEnding).
  const elapsed = (span as { _elapsedMs?: () => number })._elapsedMs;
  if (typeof elapsed === 'function') return elapsed.call(span);
  const start = span.startTime;
  const end = span.endTime;
  return (end[0] - start[0]) * 1e3 + (end[1] - start[1]) / 1e6;
}

/** How long the fragment has run: from its first local root's start (or its first span's). */
function ageMs(fragment: Fragment): number {
  const first = fragment.root ?? fragment.spans[0];
  if (first === undefined) return 0;
  const start = first.startTime;
  return Date.now() - (start[0] * 1e3 + start[1] / 1e6);
}

/**
 * Writes the reason and the adjusted count into `span`'s attributes. Directly, not through
 * `setAttributes`: they are tracelight's own values, so neither redaction nor the attribute count
 * limit applies (a root at the limit still says why it was kept), and the span may have ended
 * (a fragment decided early, or a provider without `onEnding`).
 */
function mark(span: ReadableSpan, reason: TailSamplingReason, adjustedCount: number): void {
  try {
    const attributes = span.attributes as Attributes;
    attributes[ATTR_SAMPLING_REASON] = reason;
    attributes[ATTR_ADJUSTED_COUNT] = adjustedCount;
  } catch (err) {
    warnOnce('sampling.tail.mark', `tail sampling could not set ${ATTR_SAMPLING_REASON} on a kept span (${describeError(err)}); the span is exported without it.`);
  }
}

function reportNextError(hook: string, err: unknown): void {
  errorOnce(`sampling.tail.next.${hook}`, `a span processor behind tail sampling threw in ${hook} (${describeError(err)}); the span was kept, fix the processor.`);
}

import type { TraceState } from '@opentelemetry/api';
import type { ReadableSpan, SdkSpan } from '../internal/sdk.js';

/**
 * The local spans of one trace in this process, held until a decision: those that ended, how
 * many are still open, and what the decision needs (an error seen, a slow root).
 * @internal
 */
export class Fragment {
  /** Ended spans waiting for the decision (at most `maxSpansPerFragment`). */
  readonly spans: ReadableSpan[] = [];
  /** Spans started and not yet ended. */
  open = 0;
  /** Local roots (parent absent or remote) started and not yet ended. */
  openRoots = 0;
  /** The first local root, marked with the reason if the fragment is decided before it ends. */
  root: SdkSpan | undefined = undefined;
  /** A span of the fragment had status ERROR. */
  error = false;
  /** A local root took longer than the threshold. */
  slow = false;
  /** Decided (and no longer held); it may still sit in the processor's queue of fragments. */
  decided = false;

  constructor(
    readonly traceId: string,
    /** The first span's trace state, for `ot=rv:` and a head sampler's `ot=th:`. */
    readonly traceState: TraceState | undefined,
    /** The processor's clock tick when it was created: timeouts count from it. */
    readonly tick: number,
  ) {}
}

/** What became of a fragment decided while some of its spans were still open. @internal */
export interface Decided {
  readonly keep: boolean;
  /** Its spans still open: those that end later follow the decision. */
  open: number;
}

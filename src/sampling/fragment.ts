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
  /** Spans beyond `maxSpansPerFragment`, not held. */
  overflow = 0;

  constructor(
    /** `Date.now()` when its first span started: timeouts and early decisions count from it. */
    readonly createdAt: number,
    /** The first span's trace state, for `ot=rv:` and a head sampler's `ot=th:`. */
    readonly traceState: TraceState | undefined,
  ) {}
}

/** What became of a fragment decided while some of its spans were still open. @internal */
export interface Decided {
  readonly keep: boolean;
  /** Its spans still open: those that end later follow the decision. */
  open: number;
}

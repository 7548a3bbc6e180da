import { diag } from '@opentelemetry/api';
import { DIAG_PREFIX } from '../internal/diag.js';
import { monotonicNow } from './clock.js';
import type { OpenSpanWatcher } from './span-runtime.js';

interface OpenEntry {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly startedAt: number;
  readonly stack: string;
}

interface TrackedSpan {
  readonly name: string;
  spanContext(): { traceId: string; spanId: string };
}

/**
 * Development aid: finds spans that were started but never ended (a missing `end()` is the most
 * common tracing bug, and such spans are silently never exported). Each span is stamped with the
 * stack where it started; a periodic check reports, once per span through `diag.warn`, every span
 * open longer than the threshold, then forgets it, so a leak in user code cannot become a leak
 * here. Only built when the provider has `debug.openSpanThresholdMs`: capturing stacks costs
 * microseconds per span. The check timer is `unref()`ed and never keeps the process alive.
 */
export class OpenSpanTracker implements OpenSpanWatcher {
  private readonly open = new Map<object, OpenEntry>();
  private readonly thresholdMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(thresholdMs: number, checkIntervalMs = Math.max(10, Math.min(1000, thresholdMs / 2))) {
    this.thresholdMs = thresholdMs;
    this.timer = setInterval(() => this.check(), checkIntervalMs);
    this.timer.unref();
  }

  /** Starts watching a span; called by the tracer when the span starts. */
  add(span: TrackedSpan): void {
    const holder: { stack?: string } = {};
    Error.captureStackTrace(holder, this.add);
    const sc = span.spanContext();
    this.open.set(span, {
      name: span.name,
      traceId: sc.traceId,
      spanId: sc.spanId,
      startedAt: monotonicNow(),
      stack: (holder.stack ?? '').split('\n').slice(1).join('\n'),
    });
  }

  /** Stops watching a span; called when it ends. */
  remove(span: object): void {
    this.open.delete(span);
  }

  /** Number of spans currently watched (for tests). */
  get size(): number {
    return this.open.size;
  }

  /** Reports and forgets every span open longer than the threshold. */
  check(now = monotonicNow()): void {
    for (const [span, entry] of this.open) {
      const age = now - entry.startedAt;
      if (age <= this.thresholdMs) continue;
      this.open.delete(span);
      diag.warn(
        `${DIAG_PREFIX}span "${entry.name}" (trace ${entry.traceId}, span ${entry.spanId}) has been open for ` +
          `${Math.round(age)} ms (threshold ${this.thresholdMs} ms); did you forget to call end()? It was started at:\n${entry.stack}`,
      );
    }
  }

  /** Stops the timer; called on provider shutdown. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.open.clear();
  }
}

import { context, TraceFlags } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing } from '../internal/sdk-core.js';
import type { ExportResult } from '../internal/sdk-core.js';
import type { ReadableSpan, SdkSpan as Span, SpanExporter, SpanProcessor } from '../internal/sdk.js';
import { markIgnoresSpanStart } from '../internal/ignores-span-start.js';
import { validNumber } from '../internal/validate.js';
import { ExportFailure, toExportFailure } from './export-failure.js';
import { FailureReporter } from './failure-reporter.js';

/** Options of {@link createBatchSpanProcessor}, named and defaulted like `OTEL_BSP_*`. */
export interface BatchSpanProcessorOptions {
  /** Spans kept while waiting for export; beyond it new spans are dropped and counted. Default 2048. */
  maxQueueSize?: number;
  /** Spans per export request; an export starts as soon as this many wait. Default 512. */
  maxExportBatchSize?: number;
  /** Longest wait before queued spans are exported. Default 5000 ms. */
  scheduledDelayMillis?: number;
  /**
   * Time budget of one export. An exporter that has not answered 1 s after it is no longer
   * waited for, and its spans count as failed (as exported, should it succeed later). Default 30 000 ms.
   */
  exportTimeoutMillis?: number;
  /** Longest `shutdown()` may take, exporter shutdown included. Default: `exportTimeoutMillis`. */
  shutdownTimeoutMillis?: number;
}

/**
 * Counters of a {@link BatchSpanProcessor}; all are totals since it was created except
 * `queueDepth`. Every sampled span it was handed is in exactly one of `exported`,
 * `droppedQueueFull`, `droppedExportFailed`, `droppedShutdown` or `queueDepth`.
 */
export interface BatchSpanProcessorStats {
  /** Spans the exporter accepted. */
  exported: number;
  /** Export calls that failed or timed out (after the exporter's own retries). */
  exportFailures: number;
  /** Requests the exporter repeated (from its `stats().retries`, 0 if it has none). */
  retries: number;
  /** Spans dropped because the queue was full. */
  droppedQueueFull: number;
  /** Spans dropped because their export failed or timed out. */
  droppedExportFailed: number;
  /** Spans still queued or unanswered when `shutdown()` gave up, and spans ended after it. */
  droppedShutdown: number;
  /** Spans not yet exported or dropped: waiting, or in the export in flight. */
  queueDepth: number;
}

const DEFAULTS = {
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
  scheduledDelayMillis: 5000,
  exportTimeoutMillis: 30_000,
} as const;

/** How long past `exportTimeoutMillis` an exporter that has not answered is still waited for. */
const ABANDON_GRACE_MILLIS = 1000;

/** One export call and what became of it. */
interface Batch {
  readonly spans: ReadableSpan[];
  /** Set when the exporter answered or the processor stopped waiting for it. */
  settled: boolean;
  /** The processor stopped waiting (timeout or shutdown) and counted the spans as dropped. */
  abandonedAs: 'timeout' | 'shutdown' | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Resolves when the batch is settled. */
  readonly done: Promise<void>;
  resolve(): void;
}

/**
 * A batch span processor built to survive its collector: when the collector is down, hangs, is
 * slow or refuses the data, the application keeps its speed and its memory, and every span is
 * accounted for.
 *
 * - A full batch is handed to the exporter inside the `span.end()` that filled it (as the
 *   official processor does), so loops that never reach the event loop's later phases export
 *   too; a smaller batch waits at most `scheduledDelayMillis`. An exporter that answers at once
 *   is handed the next full batch at once.
 * - The queue is bounded: beyond `maxQueueSize`, spans are dropped and counted, never buffered.
 * - One export is in flight at a time; the next starts when the exporter answers. An exporter
 *   that has not answered within `exportTimeoutMillis` is no longer waited for (its spans count
 *   as failed; should it still succeed later, they move to `exported`).
 * - Retries belong to the exporter (OTLP's follow the specification; see `createOtlpExporter`);
 *   their count is read from the exporter's `stats()` when it has one.
 * - Failures are counted in {@link TracelightBatchSpanProcessor.stats} and reported through
 *   `diag` once per kind of failure per outage, then once on recovery.
 * - Nothing of it keeps the process alive on its own (timers are unref'ed), except while a
 *   `forceFlush()` or `shutdown()` promise is pending: then the process stays up until it
 *   settles, which it does within its bound. Nothing is thrown into user code and no promise
 *   rejects.
 * - `shutdown()` returns within `shutdownTimeoutMillis` even if the collector never answers;
 *   after the first failed export it stops trying (the collector is not there), and what was
 *   not exported is counted in `droppedShutdown`.
 *
 * Exports run with tracing suppressed, so an instrumented HTTP client does not trace them.
 */
export class TracelightBatchSpanProcessor implements SpanProcessor {
  private readonly _exporter: SpanExporter;
  private readonly _maxQueueSize: number;
  private readonly _maxBatch: number;
  private readonly _delay: number;
  private readonly _exportTimeout: number;
  private readonly _shutdownTimeout: number;
  private readonly _reporter = new FailureReporter();

  private _queue: ReadableSpan[] = [];
  private _timer: NodeJS.Timeout | undefined;
  private _current: Batch | undefined;
  /** True while `_drain` runs, so an exporter answering synchronously does not recurse. */
  private _draining = false;
  private _shutdown: Promise<void> | undefined;
  private _closed = false;

  /** Spans taken from the queue into batches, and spans of batches that have settled. */
  private _taken = 0;
  private _settled = 0;
  private _exported = 0;
  private _exportFailures = 0;
  private _droppedQueueFull = 0;
  private _droppedExportFailed = 0;
  private _droppedShutdown = 0;
  private _droppedAtOutageStart = 0;

  constructor(exporter: SpanExporter, options: BatchSpanProcessorOptions = {}) {
    this._exporter = exporter;
    this._maxQueueSize = Math.floor(validNumber(options.maxQueueSize, DEFAULTS.maxQueueSize, 1));
    this._maxBatch = Math.min(Math.floor(validNumber(options.maxExportBatchSize, DEFAULTS.maxExportBatchSize, 1)), this._maxQueueSize);
    this._delay = validNumber(options.scheduledDelayMillis, DEFAULTS.scheduledDelayMillis, 0);
    this._exportTimeout = validNumber(options.exportTimeoutMillis, DEFAULTS.exportTimeoutMillis, 0, true);
    this._shutdownTimeout = validNumber(options.shutdownTimeoutMillis, this._exportTimeout, 0, true);
  }

  onStart(_span: Span, _parentContext: Context): void {
    // Nothing to do when a span starts.
  }

  /** Queues a finished, sampled span. Cheap and never throws: runs inside `span.end()`. */
  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this._closed) {
      this._droppedShutdown++;
      return;
    }
    const queue = this._queue;
    if (queue.length >= this._maxQueueSize) {
      this._droppedQueueFull++;
      if (!this._reporter.isReported('queue-full')) this._reportQueueFull();
      return;
    }
    queue.push(span);
    if (this._current !== undefined) return; // the export in flight looks at the queue when done
    if (queue.length >= this._maxBatch) this._drain();
    else if (this._timer === undefined) this._startTimer();
  }

  /**
   * Exports every span queued when called (and anything queued meanwhile, time allowing), then
   * flushes the exporter. Resolves within `exportTimeoutMillis`, and keeps the process alive
   * until then; never rejects.
   */
  forceFlush(): Promise<void> {
    return this._flush(Date.now() + this._exportTimeout, false).then(() => undefined);
  }

  /**
   * The flush before the process ends (`beforeExit`, a signal): bounded by `deadline`, and it
   * stops at the first failed export, since the collector is then not there. Resolves `true`
   * when nothing is left queued.
   * @internal
   */
  flushBeforeExit(deadline: number): Promise<boolean> {
    return this._flush(deadline, true);
  }

  /**
   * Exports what is queued and shuts the exporter down, within `shutdownTimeoutMillis` in all:
   * with an unreachable or hanging collector it gives up on time. Never rejects; later spans are
   * ignored (and counted in `droppedShutdown`).
   */
  shutdown(): Promise<void> {
    this._shutdown ??= this._doShutdown();
    return this._shutdown;
  }

  /** The export problems of the outage in progress, as reported (none while exports work). */
  problems(): string[] {
    return this._reporter.current();
  }

  /** Counters for health checks and tests. */
  stats(): BatchSpanProcessorStats {
    return {
      exported: this._exported,
      exportFailures: this._exportFailures,
      retries: exporterRetries(this._exporter),
      droppedQueueFull: this._droppedQueueFull,
      droppedExportFailed: this._droppedExportFailed,
      droppedShutdown: this._droppedShutdown,
      queueDepth: this._queue.length + this._taken - this._settled,
    };
  }

  private async _doShutdown(): Promise<void> {
    const deadline = Date.now() + this._shutdownTimeout;
    // Closed first: spans ended from now on are counted as dropped, and no timer starts an export.
    this._closed = true;
    await this._flush(deadline, true);
    this._clearTimer();
    // What could not be exported in time never will be: count it, and stop waiting for it.
    const current = this._current;
    if (current !== undefined) this._abandon(current, 'shutdown');
    this._droppedShutdown += this._queue.length;
    this._queue = [];
    await withDeadline(
      () => this._exporter.shutdown(),
      deadline,
      (err) => this._reporter.once('exporter-shutdown', `exporter shutdown failed (${toExportFailure(err, 'exporter').message}).`),
    );
  }

  /**
   * Exports until every span queued now has settled, or `deadline`. With `final`, stops after
   * the first failed export. Resolves `true` when nothing is left queued.
   */
  private async _flush(deadline: number, final: boolean): Promise<boolean> {
    const resumeRetries = final ? pauseRetries(this._exporter) : noop;
    try {
      this._clearTimer();
      const target = this._taken + this._queue.length;
      while (this._settled < target && Date.now() < deadline) {
        const failures = this._exportFailures;
        const running = this._current ?? this._startExport();
        if (running === undefined) break;
        await withDeadline(() => running.done, deadline);
        if (final && this._exportFailures > failures) break;
      }
      const flush = this._exporter.forceFlush;
      if (flush !== undefined && Date.now() < deadline) {
        await withDeadline(() => flush.call(this._exporter), deadline);
      }
      return this._queue.length === 0 && this._current === undefined;
    } finally {
      resumeRetries();
      if (!this._closed) this._scheduleNext();
    }
  }

  private _startTimer(): void {
    this._timer = setTimeout(() => {
      this._timer = undefined;
      if (this._current === undefined) this._startExport();
    }, this._delay);
    this._timer.unref();
  }

  private _clearTimer(): void {
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timer = undefined;
  }

  /** Hands full batches to the exporter while it is free; a loop, so synchronous exporters do not recurse. */
  private _drain(): void {
    if (this._draining) return;
    this._draining = true;
    try {
      while (this._current === undefined && !this._closed && this._queue.length >= this._maxBatch) this._startExport();
    } finally {
      this._draining = false;
    }
  }

  /** After an export: the next full batch at once, else the timer for what waits. */
  private _scheduleNext(): void {
    if (this._closed || this._current !== undefined || this._queue.length === 0) return;
    if (this._queue.length >= this._maxBatch) this._drain();
    if (this._current === undefined && this._queue.length > 0 && this._timer === undefined) this._startTimer();
  }

  /** Starts exporting one batch (unless one is in flight or the queue is empty); never throws. */
  private _startExport(): Batch | undefined {
    if (this._current !== undefined) return this._current;
    if (this._queue.length === 0) return undefined;
    this._clearTimer();
    const queue = this._queue;
    const spans = queue.length <= this._maxBatch ? queue : queue.slice(0, this._maxBatch);
    this._queue = spans === queue ? [] : queue.slice(this._maxBatch);
    this._taken += spans.length;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const batch: Batch = { spans, settled: false, abandonedAs: undefined, timer: undefined, done, resolve };
    this._current = batch;
    // The grace lets an exporter that keeps to the same budget (OTLP's, see buildPipeline) answer
    // first, so its request is over before the next export starts.
    batch.timer = setTimeout(() => this._abandon(batch, 'timeout'), this._exportTimeout + ABANDON_GRACE_MILLIS);
    batch.timer.unref();
    const pending = pendingResources(spans);
    if (pending.length === 0) this._send(batch);
    else void Promise.all(pending).then(() => this._send(batch));
    return batch;
  }

  /** Calls the exporter with tracing suppressed; its answer, now or later, settles the batch. */
  private _send(batch: Batch): void {
    if (batch.settled) return;
    const onResult = (result: ExportResult): void => this._onResult(batch, result);
    try {
      context.with(suppressTracing(context.active()), () => this._exporter.export(batch.spans, onResult));
    } catch (err) {
      this._onResult(batch, { code: ExportResultCode.FAILED, error: toExportFailure(err, exporterName(this._exporter)) });
    }
  }

  private _onResult(batch: Batch, result: ExportResult | undefined): void {
    const count = batch.spans.length;
    const success = result?.code === ExportResultCode.SUCCESS;
    if (batch.settled) {
      // A late answer to an export no longer waited for: the spans did reach the collector.
      if (success && batch.abandonedAs !== undefined) {
        const from = batch.abandonedAs;
        batch.abandonedAs = undefined;
        this._exported += count;
        if (from === 'shutdown') this._droppedShutdown -= count;
        else {
          this._droppedExportFailed -= count;
          this._exportFailures--;
        }
      }
      return;
    }
    this._finish(batch);
    try {
      if (success) {
        this._exported += count;
        if (this._reporter.failing) this._reporter.success(this._dropped() - this._droppedAtOutageStart);
      } else {
        this._countFailure(count, toExportFailure(result?.error, exporterName(this._exporter)));
      }
    } catch {
      // A throwing diag logger must not stop the pipeline.
    } finally {
      batch.resolve();
      this._scheduleNext();
    }
  }

  /** Stops waiting for `batch`: after `exportTimeoutMillis`, or when shutdown gives up on it. */
  private _abandon(batch: Batch, why: 'timeout' | 'shutdown'): void {
    if (batch.settled) return;
    this._finish(batch);
    batch.abandonedAs = why;
    const count = batch.spans.length;
    try {
      if (why === 'shutdown') this._droppedShutdown += count;
      else {
        this._countFailure(
          count,
          new ExportFailure(
            'export-timeout',
            `${exporterName(this._exporter)} did not finish an export within ${this._exportTimeout + ABANDON_GRACE_MILLIS} ms; its ${count} span(s) were counted as dropped. Check the collector, or raise OTEL_BSP_EXPORT_TIMEOUT.`,
          ),
        );
      }
    } catch {
      // A throwing diag logger must not stop the pipeline.
    } finally {
      batch.resolve();
      if (why === 'timeout') this._scheduleNext();
    }
  }

  private _finish(batch: Batch): void {
    batch.settled = true;
    clearTimeout(batch.timer);
    this._settled += batch.spans.length;
    if (this._current === batch) this._current = undefined;
  }

  private _countFailure(count: number, failure: ExportFailure): void {
    if (!this._reporter.failing) this._droppedAtOutageStart = this._dropped();
    this._exportFailures++;
    this._droppedExportFailed += count;
    this._reporter.failure(failure);
  }

  private _dropped(): number {
    return this._droppedQueueFull + this._droppedExportFailed + this._droppedShutdown;
  }

  private _reportQueueFull(): void {
    this._reporter.once(
      'queue-full',
      `span queue is full (maxQueueSize ${this._maxQueueSize}): new spans are dropped until the exporter catches up. If the collector is healthy, raise the queue size (batch.maxQueueSize in init(), or OTEL_BSP_MAX_QUEUE_SIZE) or sample fewer spans.`,
    );
  }
}

// Nothing happens when a span starts: the tracer's processor chain skips the call (not a
// subclass's own `onStart`).
markIgnoresSpanStart(TracelightBatchSpanProcessor.prototype.onStart);

function noop(): void {
  // nothing to release
}

/** Resources whose asynchronous attributes are still loading; the SDK's processors wait for them too. */
function pendingResources(batch: readonly ReadableSpan[]): Promise<unknown>[] {
  let pending: Promise<unknown>[] | undefined;
  let last: unknown;
  for (const span of batch) {
    const resource = span.resource as { asyncAttributesPending?: boolean; waitForAsyncAttributes?: () => Promise<void> };
    if (resource === last) continue;
    last = resource;
    if (resource?.asyncAttributesPending && resource.waitForAsyncAttributes) {
      (pending ??= []).push(resource.waitForAsyncAttributes().catch(() => undefined));
    }
  }
  return pending ?? [];
}

/**
 * Awaits `run()` until `deadline`; never rejects (errors go to `onError`). Its timer is ref'ed
 * on purpose: this is what a caller of `forceFlush()` or `shutdown()` awaits, and the process
 * must not exit with that promise pending (an ES module would end with code 13) while
 * everything inside is unref'ed. The deadline bounds how long it holds the process.
 */
async function withDeadline(run: () => Promise<unknown>, deadline: number, onError?: (err: unknown) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  try {
    const work = Promise.resolve()
      .then(run)
      .then(
        () => undefined,
        (err: unknown) => onError?.(err),
      );
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function exporterRetries(exporter: SpanExporter): number {
  try {
    const stats = (exporter as { stats?: () => { retries?: unknown } }).stats;
    const retries = typeof stats === 'function' ? stats.call(exporter).retries : undefined;
    return typeof retries === 'number' ? retries : 0;
  } catch {
    return 0;
  }
}

/**
 * Turns off the exporter's retries for a final flush, if it can (`pauseRetries()`, as the OTLP
 * exporter of `createOtlpExporter` has); returns the function that turns them back on.
 */
function pauseRetries(exporter: SpanExporter): () => void {
  try {
    const pause = (exporter as { pauseRetries?: () => unknown }).pauseRetries;
    const resume = typeof pause === 'function' ? pause.call(exporter) : undefined;
    return typeof resume === 'function' ? (resume as () => void) : noop;
  } catch {
    return noop;
  }
}

function exporterName(exporter: SpanExporter): string {
  const url = (exporter as { url?: unknown }).url;
  const name = exporter.constructor?.name || 'exporter';
  return typeof url === 'string' ? `${name} (${url})` : name;
}

/** A `SpanProcessor` that batches spans for an exporter and counts what became of each. */
export interface BatchSpanProcessor extends SpanProcessor {
  /** Counters for health checks and tests. */
  stats(): BatchSpanProcessorStats;
}

/**
 * Creates the batch processor `init()` puts in front of OTLP and custom exporters: a drop-in for
 * the official `BatchSpanProcessor` that hands a full batch to the exporter in the `span.end()`
 * that filled it (so busy loops lose nothing), keeps one export in flight, gives up on an exporter
 * that does not answer within the export timeout, never keeps the process alive, and counts every
 * span it is handed in exactly one of {@link BatchSpanProcessorStats}' buckets.
 *
 * @example
 * ```ts
 * const processor = createBatchSpanProcessor(createOtlpExporter(), { maxQueueSize: 4096 });
 * ```
 */
export function createBatchSpanProcessor(exporter: SpanExporter, options: BatchSpanProcessorOptions = {}): BatchSpanProcessor {
  return new TracelightBatchSpanProcessor(exporter, options);
}

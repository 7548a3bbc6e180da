import { context, TraceFlags } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ExportFailure, toExportFailure } from './export-failure.js';
import { FailureReporter } from './failure-reporter.js';

/** Options of {@link TracelightBatchSpanProcessor}, named and defaulted like `OTEL_BSP_*`. */
export interface TracelightBatchSpanProcessorOptions {
  /** Spans kept while waiting for export; beyond it new spans are dropped and counted. Default 2048. */
  maxQueueSize?: number;
  /** Spans per export request; an export starts as soon as this many wait. Default 512. */
  maxExportBatchSize?: number;
  /** Longest wait before queued spans are exported. Default 5000 ms. */
  scheduledDelayMillis?: number;
  /** An export that has not finished by then is abandoned and its spans counted as failed. Default 30 000 ms. */
  exportTimeoutMillis?: number;
  /** Longest `shutdown()` may take, exporter shutdown included. Default: `exportTimeoutMillis`. */
  shutdownTimeoutMillis?: number;
}

/** Counters of {@link TracelightBatchSpanProcessor}; all are totals since it was created except `queueDepth`. */
export interface BatchSpanProcessorStats {
  /** Spans the exporter accepted. */
  exported: number;
  /** Export calls that failed or timed out (after the exporter's own retries). */
  exportFailures: number;
  /** Requests the exporter repeated (from its `stats().retries`, 0 if it has none). */
  retries: number;
  /** Spans dropped because the queue was full. */
  droppedQueueFull: number;
  /** Spans dropped because their export failed. */
  droppedExportFailed: number;
  /** Spans waiting now. */
  queueDepth: number;
}

const DEFAULTS = {
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
  scheduledDelayMillis: 5000,
  exportTimeoutMillis: 30_000,
} as const;

/**
 * A batch span processor built to survive its collector: when the collector is down, hangs, is
 * slow or refuses the data, the application keeps its speed and its memory.
 *
 * - The queue is bounded: beyond `maxQueueSize`, spans are dropped and counted, never buffered.
 * - At most one export is in flight; each is abandoned after `exportTimeoutMillis`.
 * - Retries belong to the exporter (OTLP's follow the specification; see `createOtlpExporter`);
 *   their count is read from the exporter's `stats()` when it has one.
 * - Failures are counted in {@link TracelightBatchSpanProcessor.stats} and reported through
 *   `diag` once per kind of failure per outage, then once on recovery.
 * - Timers are unref'ed; nothing is thrown into user code and no promise rejects unhandled.
 * - `shutdown()` returns within `shutdownTimeoutMillis` even if the collector never answers.
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
  private _immediate: NodeJS.Immediate | undefined;
  private _inFlight: Promise<void> | undefined;
  private _shutdown: Promise<void> | undefined;
  private _closed = false;

  /** Spans taken from the queue into a batch, and batches' spans whose export has settled. */
  private _taken = 0;
  private _settled = 0;
  private _exported = 0;
  private _exportFailures = 0;
  private _droppedQueueFull = 0;
  private _droppedExportFailed = 0;
  private _droppedAtOutageStart = 0;

  constructor(exporter: SpanExporter, options: TracelightBatchSpanProcessorOptions = {}) {
    this._exporter = exporter;
    this._maxQueueSize = positiveInt(options.maxQueueSize, DEFAULTS.maxQueueSize);
    this._maxBatch = Math.min(positiveInt(options.maxExportBatchSize, DEFAULTS.maxExportBatchSize), this._maxQueueSize);
    this._delay = nonNegative(options.scheduledDelayMillis, DEFAULTS.scheduledDelayMillis);
    this._exportTimeout = positiveNumber(options.exportTimeoutMillis, DEFAULTS.exportTimeoutMillis);
    this._shutdownTimeout = positiveNumber(options.shutdownTimeoutMillis, this._exportTimeout);
  }

  onStart(_span: Span, _parentContext: Context): void {
    // Nothing to do when a span starts.
  }

  /** Queues a finished, sampled span. Cheap and never throws: runs inside `span.end()`. */
  onEnd(span: ReadableSpan): void {
    if (this._closed) return;
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    const queue = this._queue;
    if (queue.length >= this._maxQueueSize) {
      this._droppedQueueFull++;
      if (!this._reporter.isReported('queue-full')) this._reportQueueFull();
      return;
    }
    queue.push(span);
    if (this._inFlight !== undefined) return; // the running export looks at the queue when done
    if (queue.length >= this._maxBatch) this._exportSoon();
    else if (this._timer === undefined) this._startTimer();
  }

  /**
   * Exports every span queued when called (and anything queued meanwhile, time allowing), then
   * flushes the exporter. Resolves within `exportTimeoutMillis`; never rejects.
   */
  async forceFlush(): Promise<void> {
    await this._flush(Date.now() + this._exportTimeout);
  }

  /**
   * Exports what is queued and shuts the exporter down, within `shutdownTimeoutMillis` in all:
   * with an unreachable or hanging collector it gives up on time. Never rejects; later spans are ignored.
   */
  shutdown(): Promise<void> {
    this._shutdown ??= this._doShutdown();
    return this._shutdown;
  }

  /** Counters for health checks and tests. */
  stats(): BatchSpanProcessorStats {
    return {
      exported: this._exported,
      exportFailures: this._exportFailures,
      retries: exporterRetries(this._exporter),
      droppedQueueFull: this._droppedQueueFull,
      droppedExportFailed: this._droppedExportFailed,
      queueDepth: this._queue.length,
    };
  }

  private async _doShutdown(): Promise<void> {
    const deadline = Date.now() + this._shutdownTimeout;
    await this._flush(deadline);
    this._closed = true;
    this._clearTimers();
    await withDeadline(
      () => this._exporter.shutdown(),
      deadline,
      (err) => this._reporter.once('exporter-shutdown', `exporter shutdown failed (${toExportFailure(err, 'exporter').message}).`),
    );
  }

  private async _flush(deadline: number): Promise<void> {
    this._clearTimers();
    const target = this._taken + this._queue.length;
    while (this._settled < target && Date.now() < deadline) {
      const running = this._inFlight ?? this._exportBatch();
      if (running === undefined) break;
      await withDeadline(() => running, deadline);
    }
    const flush = this._exporter.forceFlush;
    if (flush !== undefined && Date.now() < deadline) {
      await withDeadline(() => flush.call(this._exporter), deadline);
    }
    if (!this._closed) this._scheduleNext();
  }

  private _exportSoon(): void {
    if (this._immediate !== undefined) return;
    if (this._timer !== undefined) {
      clearTimeout(this._timer);
      this._timer = undefined;
    }
    this._immediate = setImmediate(() => {
      this._immediate = undefined;
      void this._exportBatch();
    });
    this._immediate.unref();
  }

  private _startTimer(): void {
    this._timer = setTimeout(() => {
      this._timer = undefined;
      void this._exportBatch();
    }, this._delay);
    this._timer.unref();
  }

  private _clearTimers(): void {
    if (this._timer !== undefined) clearTimeout(this._timer);
    if (this._immediate !== undefined) clearImmediate(this._immediate);
    this._timer = undefined;
    this._immediate = undefined;
  }

  /** After an export: start the next at once if a full batch waits, else arm the timer. */
  private _scheduleNext(): void {
    if (this._closed || this._inFlight !== undefined || this._queue.length === 0) return;
    if (this._queue.length >= this._maxBatch) this._exportSoon();
    else if (this._timer === undefined && this._immediate === undefined) this._startTimer();
  }

  /** Starts exporting one batch unless one is in flight or the queue is empty; never rejects. */
  private _exportBatch(): Promise<void> | undefined {
    if (this._inFlight !== undefined) return this._inFlight;
    if (this._queue.length === 0) return undefined;
    const batch = this._queue.length <= this._maxBatch ? this._queue : this._queue.slice(0, this._maxBatch);
    this._queue = batch === this._queue ? [] : this._queue.slice(this._maxBatch);
    this._taken += batch.length;
    const running = this._send(batch).then(
      (result) => this._settle(batch.length, result),
      (err: unknown) => this._settle(batch.length, { code: ExportResultCode.FAILED, error: toExportFailure(err, 'exporter') }),
    );
    this._inFlight = running;
    return running;
  }

  private _settle(count: number, result: ExportResult): void {
    this._inFlight = undefined;
    this._settled += count;
    try {
      if (result.code === ExportResultCode.SUCCESS) {
        this._exported += count;
        if (this._reporter.failing) this._reporter.success(this._dropped() - this._droppedAtOutageStart);
      } else {
        if (!this._reporter.failing) this._droppedAtOutageStart = this._dropped();
        this._exportFailures++;
        this._droppedExportFailed += count;
        this._reporter.failure(toExportFailure(result.error, exporterName(this._exporter)));
      }
    } finally {
      this._scheduleNext();
    }
  }

  private _dropped(): number {
    return this._droppedQueueFull + this._droppedExportFailed;
  }

  private _reportQueueFull(): void {
    this._reporter.once(
      'queue-full',
      `span queue is full (maxQueueSize ${this._maxQueueSize}): new spans are dropped until the exporter catches up. If the collector is healthy, raise OTEL_BSP_MAX_QUEUE_SIZE or sample fewer spans.`,
    );
  }

  /** Runs one export with tracing suppressed, bounded by `exportTimeoutMillis`. */
  private async _send(batch: ReadableSpan[]): Promise<ExportResult> {
    const deadline = Date.now() + this._exportTimeout;
    const pending = pendingResources(batch);
    if (pending.length > 0) await withDeadline(() => Promise.all(pending), deadline);
    return new Promise<ExportResult>((resolve) => {
      let done = false;
      const finish = (result: ExportResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        finish({
          code: ExportResultCode.FAILED,
          error: new ExportFailure(
            'export-timeout',
            `${exporterName(this._exporter)} did not finish an export within ${this._exportTimeout} ms; its ${batch.length} span(s) were dropped. Check the collector, or raise OTEL_BSP_EXPORT_TIMEOUT.`,
          ),
        });
      }, Math.max(0, deadline - Date.now()));
      timer.unref();
      try {
        context.with(suppressTracing(context.active()), () => this._exporter.export(batch, finish));
      } catch (err) {
        finish({ code: ExportResultCode.FAILED, error: toExportFailure(err, exporterName(this._exporter)) });
      }
    });
  }
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

/** Awaits `run()` until `deadline`; never rejects (errors go to `onError`). */
async function withDeadline(run: () => Promise<unknown>, deadline: number, onError?: (err: unknown) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    timer.unref();
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

function exporterName(exporter: SpanExporter): string {
  const url = (exporter as { url?: unknown }).url;
  const name = exporter.constructor?.name || 'exporter';
  return typeof url === 'string' ? `${name} (${url})` : name;
}

function positiveInt(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

function positiveNumber(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

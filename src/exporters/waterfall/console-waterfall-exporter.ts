import { ExportResultCode } from '../../internal/sdk-core.js';
import type { ExportResult } from '../../internal/sdk-core.js';
import type { ReadableSpan, SpanExporter } from '../../internal/sdk.js';
import { describeError } from '../../internal/safe-call.js';
import { warnOnce } from '../../internal/diag.js';
import { validNumber } from '../../internal/validate.js';
import { truncateToWidth } from './display-width.js';
import { renderWaterfall } from './render.js';
import { supportsColor, terminalWidth } from './terminal.js';
import { DEFAULT_VIEWER_URL, detectViewer } from './detect-viewer.js';

/** Options of {@link createConsoleExporter}; every one has a sensible default. */
export interface ConsoleExporterOptions {
  /** Receives each line, without its newline. Default: `process.stdout.write(line + '\n')`. */
  write?: (line: string) => void;
  /** Force colour on or off. Default: on for a terminal, off when `NO_COLOR` is set or not a TTY. */
  color?: boolean;
  /** Columns per line. Default: the terminal's width, 80 when stdout is not a terminal. */
  width?: number;
  /** Service name in each trace's header. Default: the spans' `service.name` resource attribute. */
  serviceName?: string;
  /** Attribute keys printed after spans. Default: `DEFAULT_WATERFALL_ATTRIBUTES`. */
  attributes?: readonly string[];
  /** How long a trace whose local root has not ended waits before it is printed anyway. Default 10 000 ms. */
  pendingTimeoutMillis?: number;
  /** Traces buffered while waiting for their root; spans of further traces are dropped (local roots are always printed). Default 1000. */
  maxPendingTraces?: number;
  /** Spans buffered over all pending traces; further spans are dropped. Default 10 000. */
  maxPendingSpans?: number;
  /**
   * How long a trace waits after a local root ended, for more of its spans, before it is printed;
   * each new span of the trace restarts the wait. One process often holds several local roots of
   * one trace (a server span under a remote parent, the client call that made it), and this
   * prints them as one waterfall instead of fragments. 0 prints at once. Default 100 ms.
   */
  settleMillis?: number;
  /**
   * Fold near-identical siblings into one line with their count, total, p50 and max, and an
   * `N+1` mark from 5 of them: `true` (default) folds 3 or more, a number sets that minimum
   * (at least 2), `false` prints every span. See `WaterfallOptions.collapseRepeated`.
   */
  collapseRepeated?: boolean | number;
  /**
   * Base URL of a running `tracelight view`, e.g. `http://127.0.0.1:4318`: each trace's link,
   * `<viewerUrl>/#/trace/<traceId>`, is printed under its header. An `http:` or `https:` URL;
   * anything else is ignored (and said once through `diag`). `'auto'` (what `exporter:
   * 'console'` in `init()` uses) checks once, when the exporter is created, whether a viewer
   * answers at `http://127.0.0.1:4318`, and links to it if so: one loopback request with
   * tracing suppressed, never holding the process open; traces printed before the answer have
   * no link. Default: no link.
   */
  viewerUrl?: string;
}

/** Counters of a {@link ConsoleExporter}. */
export interface ConsoleExporterStats {
  /** Spans not printed because the pending buffer was full. */
  waterfallDropped: number;
  /** Traces printed so far. */
  waterfallPrinted: number;
  /** Spans printed so far. */
  spansPrinted: number;
  /** Traces waiting for their local root span to end. */
  pendingTraces: number;
  /** Spans waiting in those traces. */
  pendingSpans: number;
}

interface PendingTrace {
  spans: ReadableSpan[];
  /** When the first span arrived (ms); the trace is printed at `firstSeen + pendingTimeoutMillis`. */
  firstSeen: number;
  dropped: number;
  /** Set once a local root ended: when the trace is printed unless more of its spans arrive. */
  readyAt?: number;
}

const DEFAULT_PENDING_TIMEOUT_MILLIS = 10_000;
const DEFAULT_MAX_PENDING_TRACES = 1000;
const DEFAULT_MAX_PENDING_SPANS = 10_000;
const DEFAULT_SETTLE_MILLIS = 100;

/** `url` when it is an absolute http(s) URL; otherwise `undefined`, said once through `diag`. */
function checkViewerUrl(url: unknown): string | undefined {
  if (url === undefined) return undefined;
  try {
    if (typeof url === 'string' && url.length <= 2048) {
      const protocol = new URL(url).protocol;
      if (protocol === 'http:' || protocol === 'https:') return url;
    }
  } catch {
    // Not a URL: said below.
  }
  warnOnce('waterfall-viewer-url', `console waterfall: viewerUrl must be an http(s) URL such as http://127.0.0.1:4318, or 'auto'; no viewer links are printed.`);
  return undefined;
}

function writeToStdout(line: string): void {
  process.stdout.write(line + '\n');
}

/**
 * Prints each trace as a waterfall on the console, for development: one readable block per
 * request instead of one JSON blob per span.
 *
 * Spans arrive one batch at a time and children end before their parent, so spans are kept per
 * trace and the trace is printed when its local root ends (the span whose parent is absent or in
 * another process). A trace whose local root never ends (a fire-and-forget task, a lost span)
 * is printed after `pendingTimeoutMillis`. The buffer is bounded in traces and spans; what does
 * not fit is counted in {@link ConsoleWaterfallExporter.stats} and noted under the trace.
 *
 * Exporting never fails the pipeline: the result is always success, and a failing `write` is
 * reported once through `diag`. Its timer is unref'ed, so it never keeps the process alive;
 * `forceFlush()` and `shutdown()` print what is pending.
 */
export class ConsoleWaterfallExporter implements SpanExporter {
  private readonly _write: (line: string) => void;
  private readonly _options: ConsoleExporterOptions;
  private readonly _timeout: number;
  private readonly _maxTraces: number;
  private readonly _maxSpans: number;
  private readonly _settle: number;
  private _viewerUrl: string | undefined;
  private readonly _pending = new Map<string, PendingTrace>();
  private _pendingSpans = 0;
  private _dropped = 0;
  private _printed = 0;
  private _printedSpans = 0;
  private _timer: NodeJS.Timeout | undefined;
  private _timerAt = 0;
  private _shutdown = false;

  /** @param detectAt - where `viewerUrl: 'auto'` looks (tests point it elsewhere). @internal */
  constructor(options: ConsoleExporterOptions = {}, detectAt: string = DEFAULT_VIEWER_URL) {
    this._options = options;
    this._write = options.write ?? writeToStdout;
    this._timeout = validNumber(options.pendingTimeoutMillis, DEFAULT_PENDING_TIMEOUT_MILLIS, 0, true);
    this._maxTraces = validNumber(options.maxPendingTraces, DEFAULT_MAX_PENDING_TRACES, 0, true);
    this._maxSpans = validNumber(options.maxPendingSpans, DEFAULT_MAX_PENDING_SPANS, 0, true);
    const settle = options.settleMillis;
    this._settle = typeof settle === 'number' && Number.isFinite(settle) && settle >= 0 ? settle : DEFAULT_SETTLE_MILLIS;
    if (options.viewerUrl === 'auto') {
      detectViewer(detectAt, (url) => {
        this._viewerUrl = url;
      });
    } else {
      this._viewerUrl = checkViewerUrl(options.viewerUrl);
    }
  }

  /** Buffers `spans` and prints every trace whose local root is among them. Always succeeds. */
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (!this._shutdown) {
      try {
        this._accept(spans);
      } catch (err) {
        warnOnce('waterfall-export', `console waterfall failed (${describeError(err)}); spans were not printed.`);
      }
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Prints every pending trace, complete or not. */
  forceFlush(): Promise<void> {
    this._printAll();
    return Promise.resolve();
  }

  /** Prints every pending trace and stops; later spans are ignored. */
  shutdown(): Promise<void> {
    this._printAll();
    this._shutdown = true;
    return Promise.resolve();
  }

  /** Counters: spans dropped because the buffer was full, traces printed, what is pending. */
  stats(): ConsoleExporterStats {
    return {
      waterfallDropped: this._dropped,
      waterfallPrinted: this._printed,
      spansPrinted: this._printedSpans,
      pendingTraces: this._pending.size,
      pendingSpans: this._pendingSpans,
    };
  }

  private _accept(spans: readonly ReadableSpan[]): void {
    let complete: Set<string> | undefined;
    const now = Date.now();
    for (const span of spans) {
      const traceId = span.spanContext().traceId;
      const parent = span.parentSpanContext;
      // A local root completes its trace, which is printed (and freed) at the end of this call:
      // it is always kept, so a full buffer never costs a trace its most telling span.
      const isLocalRoot = parent === undefined || parent.isRemote === true;
      const full = this._pendingSpans >= this._maxSpans;
      let entry = this._pending.get(traceId);
      if (entry === undefined) {
        if (!isLocalRoot && (full || this._pending.size >= this._maxTraces)) {
          this._dropped++;
          continue;
        }
        entry = { spans: [], firstSeen: now, dropped: 0 };
        this._pending.set(traceId, entry);
      }
      if (full && !isLocalRoot) {
        entry.dropped++;
        this._dropped++;
        continue;
      }
      entry.spans.push(span);
      this._pendingSpans++;
      if (isLocalRoot) (complete ??= new Set()).add(traceId);
      if (entry.readyAt !== undefined || isLocalRoot) entry.readyAt = now + this._settle;
    }
    if (complete !== undefined && this._settle === 0) for (const traceId of complete) this._print(traceId);
    this._schedule(complete !== undefined);
  }

  private _schedule(settling = false): void {
    if (this._pending.size === 0) return;
    if (this._timer !== undefined) {
      // A trace that just became ready must not wait for a later expiry timer.
      if (!settling || this._timerAt <= Date.now() + this._settle) return;
      clearTimeout(this._timer);
      this._timer = undefined;
    }
    const oldest = this._pending.values().next().value as PendingTrace;
    let delay = Math.max(0, oldest.firstSeen + this._timeout - Date.now());
    for (const entry of this._pending.values()) {
      if (entry.readyAt !== undefined) {
        delay = Math.min(delay, Math.max(0, entry.readyAt - Date.now()));
        break;
      }
    }
    if (settling) delay = Math.min(delay, this._settle);
    this._timerAt = Date.now() + delay;
    this._timer = setTimeout(() => {
      this._timer = undefined;
      this._printExpired();
    }, delay);
    this._timer.unref();
  }

  private _printExpired(): void {
    try {
      const now = Date.now();
      for (const [traceId, entry] of [...this._pending]) {
        if (entry.firstSeen + this._timeout <= now || (entry.readyAt !== undefined && entry.readyAt <= now)) {
          this._print(traceId);
        }
      }
    } catch (err) {
      warnOnce('waterfall-export', `console waterfall failed (${describeError(err)}); spans were not printed.`);
    }
    this._schedule();
  }

  private _printAll(): void {
    if (this._timer !== undefined) {
      clearTimeout(this._timer);
      this._timer = undefined;
    }
    for (const traceId of [...this._pending.keys()]) this._print(traceId);
  }

  private _print(traceId: string): void {
    const entry = this._pending.get(traceId);
    if (entry === undefined) return;
    this._pending.delete(traceId);
    this._pendingSpans -= entry.spans.length;
    if (entry.spans.length === 0) return;
    this._printed++;
    this._printedSpans += entry.spans.length;
    try {
      const stream = process.stdout;
      const width = Math.floor(validNumber(this._options.width, 0, 0, true)) || terminalWidth(stream);
      const lines = renderWaterfall(entry.spans, {
        width,
        color: this._options.color ?? supportsColor(stream, process.env),
        serviceName: this._options.serviceName,
        attributes: this._options.attributes,
        collapseRepeated: this._options.collapseRepeated,
        viewerUrl: this._viewerUrl,
      });
      if (entry.dropped > 0) {
        lines.push(truncateToWidth(`… ${entry.dropped} more span(s) of this trace dropped: waterfall buffer full`, width));
      }
      lines.push('');
      for (const line of lines) this._write(line);
    } catch (err) {
      warnOnce('waterfall-write', `console waterfall could not print a trace (${describeError(err)}).`);
    }
  }
}

/** A `SpanExporter` printing each trace as a waterfall, with its counters. */
export interface ConsoleExporter extends SpanExporter {
  /** Spans dropped because the pending buffer was full, traces and spans printed, what is pending. */
  stats(): ConsoleExporterStats;
}

/**
 * Creates the exporter behind `exporter: 'console'`: each trace printed as a waterfall when its
 * local root span ends (or after `pendingTimeoutMillis`), buffered within bounds, never failing
 * the pipeline and never keeping the process alive. Use it to pass options or to add it to a
 * pipeline of your own.
 *
 * @example
 * ```ts
 * init({ exporter: [createConsoleExporter({ color: false, width: 120 }), 'otlp'] });
 * ```
 */
export function createConsoleExporter(options: ConsoleExporterOptions = {}): ConsoleExporter {
  return new ConsoleWaterfallExporter(options);
}

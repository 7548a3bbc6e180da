import { describeTransportFailure } from './export-failure.js';
import type { TransportResponse } from './export-failure.js';

/** The transport shape of `@opentelemetry/otlp-exporter-base` (`IExporterTransport`). */
export interface ExporterTransport {
  send(data: Uint8Array, timeoutMillis: number): Promise<TransportResponse>;
  shutdown(): void;
}

/** Retry schedule for OTLP exports: exponential backoff with jitter, bounded in count and time. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Wait before the first retry. */
  initialBackoffMillis: number;
  /** Longest wait between two attempts (a `Retry-After` above the export's time budget ends the export). */
  maxBackoffMillis: number;
  /** Growth of the wait from one retry to the next. */
  backoffMultiplier: number;
  /** Random spread of each wait, as a fraction: 0.2 means ±20 %. */
  jitter: number;
}

/**
 * The schedule of the official exporter (otlp-exporter-base 0.223 and 0.301 `RetryingTransport`): five
 * retries, 1 s growing ×1.5 up to 5 s, ±20 % jitter, all within the export timeout. It follows
 * the OTLP/HTTP specification: retry 429, 502, 503, 504 and network errors with exponential
 * backoff, honour `Retry-After`, never retry other statuses.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxRetries: 5,
  initialBackoffMillis: 1000,
  maxBackoffMillis: 5000,
  backoffMultiplier: 1.5,
  jitter: 0.2,
};

/**
 * Wraps the official OTLP HTTP transport with the official retry schedule, plus what we need
 * around it: it counts retries (for `stats()`), turns a final failure into an `ExportFailure`
 * that names the endpoint and what to do, uses unref'ed timers so a pending retry never keeps
 * the process alive, and stops retrying at once when closed (on shutdown).
 *
 * `send` never rejects: a throw or rejection of the inner transport counts as a failure.
 * @internal
 */
export class CountingRetryingTransport implements ExporterTransport {
  /** Retries made so far, over all exports. */
  retries = 0;
  /** While above 0, failed requests are not retried (the process is ending). */
  private _paused = 0;
  private readonly _inner: ExporterTransport;
  private readonly _url: string;
  private readonly _endpointHint: string | undefined;
  private readonly _policy: RetryPolicy;
  private _closed = false;
  private readonly _sleeping = new Set<() => void>();

  constructor(inner: ExporterTransport, url: string, policy: RetryPolicy, endpointHint?: string) {
    this._inner = inner;
    this._url = url;
    this._endpointHint = endpointHint;
    this._policy = policy;
  }

  async send(data: Uint8Array, timeoutMillis: number): Promise<TransportResponse> {
    const deadline = Date.now() + timeoutMillis;
    const policy = this._policy;
    let attempts = 1;
    let result = await this._attempt(data, timeoutMillis);
    let backoff = policy.initialBackoffMillis;
    for (let retry = 0; result.status === 'retryable' && retry < policy.maxRetries && !this._closed && this._paused === 0; retry++) {
      const spread = 1 + (Math.random() * 2 - 1) * policy.jitter;
      const computed = Math.max(0, Math.min(backoff * spread, policy.maxBackoffMillis));
      backoff *= policy.backoffMultiplier;
      const retryAfter = result.retryInMillis;
      const wait = retryAfter !== undefined && Number.isFinite(retryAfter) ? Math.max(0, retryAfter) : computed;
      // The specification bounds retries by the export's time budget: give up rather than overrun it.
      if (wait >= deadline - Date.now()) break;
      if (!(await this._sleep(wait))) break;
      this.retries++;
      attempts++;
      result = await this._attempt(data, Math.max(1, deadline - Date.now()));
    }
    if (result.status === 'success') return result;
    return { ...result, error: describeTransportFailure(this._url, result, attempts, timeoutMillis, this._endpointHint) };
  }

  /** Stops retrying: pending waits end now and their exports report their last failure. */
  close(): void {
    this._closed = true;
    this._wakeAll();
  }

  /**
   * Stops retrying until the returned function is called (pending waits end now): while the
   * process is ending, a collector that refuses connections is not waited for.
   */
  pause(): () => void {
    this._paused++;
    this._wakeAll();
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      this._paused--;
    };
  }

  private _wakeAll(): void {
    for (const wake of this._sleeping) wake();
    this._sleeping.clear();
  }

  shutdown(): void {
    this.close();
    try {
      this._inner.shutdown();
    } catch {
      // Nothing useful to do; the exporter is going away.
    }
  }

  private async _attempt(data: Uint8Array, timeoutMillis: number): Promise<TransportResponse> {
    try {
      return await this._inner.send(data, timeoutMillis);
    } catch (err) {
      return { status: 'failure', error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  /** Resolves true after `millis`, or false as soon as the transport is closed. */
  private _sleep(millis: number): Promise<boolean> {
    if (this._closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this._sleeping.delete(wake);
        resolve(true);
      }, millis);
      timer.unref();
      this._sleeping.add(wake);
    });
  }
}

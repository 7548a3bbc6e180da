import { tell } from '../internal/diag.js';
import type { ExportFailure } from './export-failure.js';

/**
 * Reports export trouble (through `diag`, or on stderr when no logger is set) without flooding it: each kind of failure once per
 * outage (connection refused, timeout, HTTP 503…), then one line when exports succeed again,
 * after which a new outage is reported afresh. One reporter per processor, so two pipelines
 * (say OTLP and the console) report independently.
 * @internal
 */
export class FailureReporter {
  /** What was reported in this outage, by kind. */
  private readonly _reported = new Map<string, string>();
  private _failedBatches = 0;

  /** True between a failed export and the next successful one. */
  get failing(): boolean {
    return this._failedBatches > 0;
  }

  /** Whether `kind` was reported in this outage (lets callers skip building a message). */
  isReported(kind: string): boolean {
    return this._reported.has(kind);
  }

  /** Reports `failure` unless its kind was already reported in this outage. */
  failure(failure: ExportFailure): void {
    this._failedBatches++;
    this.once(failure.kind, failure.message, failure.reported);
  }

  /** Reports a problem that is not an export failure (a full queue), once per outage. */
  once(kind: string, message: string, alreadyReported = false): void {
    if (this._reported.has(kind)) return;
    this._reported.set(kind, message);
    if (!alreadyReported) tell(message);
  }

  /** The problems of the outage in progress (none once exports work again), for diagnose(). */
  current(): string[] {
    return [...this._reported.values()];
  }

  /** Notes a successful export; the first after failures reports the recovery. */
  success(droppedMeanwhile: number): void {
    if (this._failedBatches === 0) return;
    tell(`span export works again after ${this._failedBatches} failed batch(es); ${droppedMeanwhile} span(s) were dropped meanwhile.`);
    this._failedBatches = 0;
    this._reported.clear();
  }
}

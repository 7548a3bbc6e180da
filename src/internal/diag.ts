import { diag } from '@opentelemetry/api';

/** Prefix on every message tracelight writes to the OpenTelemetry `diag` logger. */
export const DIAG_PREFIX = 'tracelight: ';

const reported = new Set<string>();

/**
 * Reports an internal problem through `diag.warn`, once per `kind` for the life of the process,
 * so a failure that repeats on every request cannot flood the logs.
 * @internal
 */
export function warnOnce(kind: string, message: string): void {
  if (reported.has(kind)) return;
  reported.add(kind);
  diag.warn(DIAG_PREFIX + message);
}

/** Like {@link warnOnce}, at `error` level. @internal */
export function errorOnce(kind: string, message: string): void {
  if (reported.has(kind)) return;
  reported.add(kind);
  diag.error(DIAG_PREFIX + message);
}

/** Lets a kind be reported again (after recovery, or between tests). @internal */
export function forgetReported(kind?: string): void {
  if (kind === undefined) reported.clear();
  else reported.delete(kind);
}

import { diag } from '@opentelemetry/api';
import { otelGlobals } from './otel-globals.js';

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

/**
 * Like {@link errorOnce}, for a problem of ours that loses every span until the user fixes it
 * (the OTLP exporter cannot be loaded): when no `diag` logger is registered, the API's default
 * is silence, so the message goes to stderr instead, once. A logger set by the user or by
 * `logLevel`/`OTEL_LOG_LEVEL` (`none` included, which silences it) takes it as usual.
 * @internal
 */
export function reportOnce(kind: string, message: string): void {
  if (reported.has(kind)) return;
  reported.add(kind);
  say('error', message);
}

/**
 * Tells the user about a problem that loses their spans (an export failing, a full queue), at
 * warn level: through the `diag` logger when one is registered (so `logLevel`/`OTEL_LOG_LEVEL`,
 * `none` included, decide), else as one line on stderr, since the API's default is silence and
 * the user would otherwise never know. The caller decides how often (once per outage).
 * @internal
 */
export function tell(message: string): void {
  say('warn', message);
}

/** `diag` at `level` when a logger is registered, else one line on stderr. */
function say(level: 'warn' | 'error', message: string): void {
  if (otelGlobals()?.diag !== undefined) {
    diag[level](DIAG_PREFIX + message);
    return;
  }
  try {
    process.stderr.write(`${DIAG_PREFIX}${message}\n`);
  } catch {
    // stderr closed: nowhere left to say it.
  }
}

/** {@link tell}, once per `kind` for the life of the process. @internal */
export function tellOnce(kind: string, message: string): void {
  if (reported.has(kind)) return;
  reported.add(kind);
  tell(message);
}

/** Lets a kind be reported again (after recovery, or between tests). @internal */
export function forgetReported(kind?: string): void {
  if (kind === undefined) reported.clear();
  else reported.delete(kind);
}

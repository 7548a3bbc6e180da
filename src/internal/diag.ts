import { diag } from '@opentelemetry/api';
import { otelGlobals } from './otel-globals.js';

/** Prefix on every message tracelight writes to the OpenTelemetry `diag` logger. */
export const DIAG_PREFIX = 'tracelight: ';

/** What was reported, by kind: each kind once per process (until forgotten on recovery). */
const reported = new Map<string, string>();
/** While set ({@link captureDiagnostics}), messages go here instead, and are not marked reported. */
let capture: ((message: string) => void) | undefined;

/** Hands `message` to the capture in effect; `true` if there was one. */
function captured(message: string): boolean {
  if (capture === undefined) return false;
  capture(message);
  return true;
}

/**
 * Reports an internal problem through `diag.warn`, once per `kind` for the life of the process,
 * so a failure that repeats on every request cannot flood the logs.
 * @internal
 */
export function warnOnce(kind: string, message: string): void {
  if (captured(message) || reported.has(kind)) return;
  reported.set(kind, message);
  diag.warn(DIAG_PREFIX + message);
}

/** Like {@link warnOnce}, at `error` level. @internal */
export function errorOnce(kind: string, message: string): void {
  if (captured(message) || reported.has(kind)) return;
  reported.set(kind, message);
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
  if (captured(message) || reported.has(kind)) return;
  reported.set(kind, message);
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
  if (captured(message)) return;
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
  if (captured(message) || reported.has(kind)) return;
  reported.set(kind, message);
  tell(message);
}

/** Lets a kind be reported again (after recovery, or between tests). @internal */
export function forgetReported(kind?: string): void {
  if (kind === undefined) reported.clear();
  else reported.delete(kind);
}

/** The messages reported so far and not forgotten (for diagnose()), oldest first. @internal */
export function reportedMessages(): string[] {
  return [...reported.values()];
}

/**
 * Runs `fn` with every message it would report handed to `sink` instead of the logger or
 * stderr, and not marked as reported (so init() can still say it later): how diagnose() checks
 * a configuration without side effects. Not reentrant; `fn` must be synchronous.
 * @internal
 */
export function captureDiagnostics<T>(fn: () => T, sink: (message: string) => void): T {
  const previous = capture;
  capture = sink;
  try {
    return fn();
  } finally {
    capture = previous;
  }
}

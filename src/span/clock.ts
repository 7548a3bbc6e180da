import type { HrTime, TimeInput } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';

/**
 * The span clock: `performance.now()` (monotonic, sub-microsecond) anchored to
 * `performance.timeOrigin`, the same anchor `hrTime()` in `@opentelemetry/core` uses. Spans keep
 * the raw `performance.now()` reading and turn it into an `HrTime` only when an exporter asks,
 * which keeps two array allocations and the arithmetic off the hot path.
 */
const ORIGIN_MS = performance.timeOrigin;
const ORIGIN_SECONDS = Math.trunc(ORIGIN_MS / 1000);
const ORIGIN_NANOS = Math.round((ORIGIN_MS - ORIGIN_SECONDS * 1000) * 1e6);

/** Milliseconds since `performance.timeOrigin`, monotonic. @internal */
export function monotonicNow(): number {
  return performance.now();
}

/** Converts a `performance.now()` reading to an epoch `HrTime`. @internal */
export function perfToHrTime(perfMs: number): HrTime {
  const wholeSeconds = Math.trunc(perfMs / 1000);
  let seconds = ORIGIN_SECONDS + wholeSeconds;
  let nanos = ORIGIN_NANOS + Math.round((perfMs - wholeSeconds * 1000) * 1e6);
  while (nanos >= 1e9) {
    nanos -= 1e9;
    seconds += 1;
  }
  return [seconds, nanos];
}

/** Converts epoch milliseconds to `HrTime`, exactly as `millisToHrTime` in `@opentelemetry/core`. @internal */
export function millisToHrTime(epochMillis: number): HrTime {
  const seconds = Math.trunc(epochMillis / 1000);
  const nanos = Math.round((epochMillis % 1000) * 1e6);
  return [seconds, nanos];
}

/** `b - a` as `HrTime` (may be negative in seconds when `b < a`), as `hrTimeDuration` in core. @internal */
export function hrTimeDuration(a: HrTime, b: HrTime): HrTime {
  let seconds = b[0] - a[0];
  let nanos = b[1] - a[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return [seconds, nanos];
}

/** A duration in milliseconds as `HrTime`. @internal */
export function durationMsToHrTime(ms: number): HrTime {
  const seconds = Math.trunc(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** True for a `[seconds, nanos]` pair, as `isTimeInputHrTime` in core. @internal */
export function isHrTime(value: unknown): value is HrTime {
  return (
    Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number'
  );
}

/** True for anything the SDK accepts as a `TimeInput`. @internal */
export function isTimeInput(value: unknown): value is TimeInput {
  return isHrTime(value) || typeof value === 'number' || value instanceof Date;
}

/**
 * Converts a user-supplied time as the official span does: a number not later than
 * `performance.now()` is a performance timestamp, a larger number is epoch milliseconds, a `Date`
 * is its epoch time, an `HrTime` is taken as is. Anything else yields `undefined` (the caller
 * then uses "now").
 * @internal
 */
export function timeInputToHrTime(input: unknown): HrTime | undefined {
  if (typeof input === 'number') {
    return input <= performance.now() ? perfToHrTime(input) : millisToHrTime(input);
  }
  if (input instanceof Date) return millisToHrTime(input.getTime());
  if (isHrTime(input)) return input;
  return undefined;
}

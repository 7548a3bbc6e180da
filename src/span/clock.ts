import type { HrTime, TimeInput } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';

/**
 * The span clock: `performance.now()` (monotonic, sub-microsecond) for every reading, turned into
 * wall-clock time with an offset taken from `Date.now()` once per trace (at its first local span)
 * rather than once per process from `performance.timeOrigin`: the monotonic clock stops while a
 * host is suspended or a VM frozen, and ignores clock adjustments, so a process-wide anchor
 * drifts from wall time for good. Within a trace, start and end times and durations stay
 * monotonic and consistent. Spans keep the raw `performance.now()` reading and turn it into an
 * `HrTime` only when an exporter asks, which keeps two array allocations and the arithmetic off
 * the hot path.
 */

/** Milliseconds since `performance.timeOrigin`, monotonic. @internal */
export function monotonicNow(): number {
  return performance.now();
}

/**
 * The offset that turns `performance.now()` readings into epoch milliseconds, anchored now to
 * the wall clock; `perfNow` is the reading taken with it. @internal
 */
export function epochOffsetAt(perfNow: number): number {
  return Date.now() - perfNow;
}

/** Converts a `performance.now()` reading to an epoch `HrTime`, with an {@link epochOffsetAt} offset. @internal */
export function perfToHrTime(perfMs: number, offsetMs: number): HrTime {
  const epochMs = offsetMs + perfMs;
  let seconds = Math.trunc(epochMs / 1000);
  let nanos = Math.round((epochMs - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
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
 * `performance.now()` is a performance timestamp (placed with `offsetMs`), a larger number is epoch milliseconds, a `Date`
 * is its epoch time, an `HrTime` is taken as is. Anything else yields `undefined` (the caller
 * then uses "now").
 * @internal
 */
export function timeInputToHrTime(input: unknown, offsetMs: number): HrTime | undefined {
  if (typeof input === 'number') {
    return input <= performance.now() ? perfToHrTime(input, offsetMs) : millisToHrTime(input);
  }
  if (input instanceof Date) return millisToHrTime(input.getTime());
  if (isHrTime(input)) return input;
  return undefined;
}

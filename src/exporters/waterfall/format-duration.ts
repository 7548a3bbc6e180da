import type { HrTime } from '@opentelemetry/api';

/** Widest string {@link formatDuration} returns, so columns can be sized for it. */
export const DURATION_WIDTH = 8;

/** Nanoseconds in an `[seconds, nanoseconds]` time (exact enough below 104 days). */
export function hrTimeToNanos(time: HrTime): number {
  return time[0] * 1e9 + time[1];
}

/**
 * A duration as a person reads it, in at most {@link DURATION_WIDTH} columns, with about three
 * significant digits: `850 ns`, `12.5 µs`, `48 ms`, `4.25 ms`, `1.23 s`, `2m 05s`, `3h 07m`.
 * Negative or non-finite input (a clock going backwards) prints as `0 ns`.
 */
export function formatDuration(nanos: number): string {
  if (!(nanos > 0) || !Number.isFinite(nanos)) return '0 ns';
  if (nanos < 1e3) return `${Math.round(nanos)} ns`;
  if (nanos < 1e6) return scaled(nanos / 1e3, 'µs', 1e3, 'ms');
  if (nanos < 1e9) return scaled(nanos / 1e6, 'ms', 1e3, 's');
  const seconds = nanos / 1e9;
  if (seconds < 60) return scaled(seconds, 's', 60, '');
  if (seconds < 3600) {
    const whole = Math.round(seconds);
    return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
  }
  const minutes = Math.round(seconds / 60);
  const hours = Math.floor(minutes / 60);
  if (hours >= 1000) return `${Math.round(hours / 24)}d`;
  return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** Three significant digits in `unit`; rolls over to the next unit when rounding reaches it. */
function scaled(value: number, unit: string, next: number, nextUnit: string): string {
  const text = value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
  if (Number(text) >= next && nextUnit !== '') return `1 ${nextUnit}`;
  if (Number(text) >= next) return '1m 00s';
  return `${trimZeros(text)} ${unit}`;
}

/** `48.0` → `48`, `4.20` → `4.2`: trailing zeros add width, not information. */
function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

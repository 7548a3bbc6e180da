/**
 * Rejection thresholds of OpenTelemetry consistent probability sampling ("TraceState:
 * Probability Sampling"): 56-bit integers, kept as two 28-bit halves so that every value is an
 * exact small integer in a double and a comparison allocates nothing.
 * @module
 */

/** A 56-bit rejection threshold or randomness value: `hi * 2^28 + lo`. */
export interface Value56 {
  /** Upper 28 bits (the first 7 of 14 hex digits). */
  readonly hi: number;
  /** Lower 28 bits (the last 7 of 14 hex digits). */
  readonly lo: number;
}

/** Hex digit values by char code (0-9, a-f, A-F); -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

/** Value of the hex digit with char code `c`, or -1. */
export function hexDigit(c: number): number {
  return c < 128 ? HEX[c]! : -1;
}

/** `a >= b` for two 56-bit values given by halves. */
export function atLeast(aHi: number, aLo: number, b: Value56): boolean {
  return aHi > b.hi || (aHi === b.hi && aLo >= b.lo);
}

/**
 * The threshold a `th` value encodes (1 to 14 hex digits, extended with trailing zeros to 14),
 * or `undefined` when `th` is not such a value. Hex digits of either case are accepted, as the
 * specification's grammar says; tracelight writes lowercase.
 */
export function parseTh(th: string): Value56 | undefined {
  const n = th.length;
  if (n === 0 || n > 14) return undefined;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 14; i++) {
    const d = i < n ? hexDigit(th.charCodeAt(i)) : 0;
    if (d < 0) return undefined;
    if (i < 7) hi = hi * 16 + d;
    else lo = lo * 16 + d;
  }
  return { hi, lo };
}

/** The `th` value for a threshold: 14 hex digits with trailing zeros removed, `0` for zero. */
export function formatTh(t: Value56): string {
  if (t.hi === 0 && t.lo === 0) return '0';
  const digits = t.hi.toString(16).padStart(7, '0') + t.lo.toString(16).padStart(7, '0');
  let end = 14;
  while (digits.charCodeAt(end - 1) === 48) end--;
  return digits.slice(0, end);
}

/** The smallest probability consistent sampling can express, 2^-56. */
export const MIN_PROBABILITY = 2 ** -56;

/**
 * The `th` value for a sampling probability with `precision` significant hex digits (4 by
 * default, as the specification recommends SDKs to use), by the specification's algorithm: the
 * precision grows by one digit per leading `f`, up to 12 digits. `'0'` for probability 1;
 * `undefined` below {@link MIN_PROBABILITY} (including 0 and NaN), where "never" is not a
 * probability and nothing is sampled.
 */
export function probabilityToTh(probability: number, precision = 4): string | undefined {
  if (!(probability >= MIN_PROBABILITY)) return undefined;
  if (probability >= 1) return '0';
  const exponent = Math.floor(Math.log2(probability)) + 1; // as Python's math.frexp
  const digits = Math.max(1, Math.min(12, precision + Math.floor(exponent / -4)));
  // 1 + the rejection probability, rounded at the last digit kept: its 52 mantissa bits are
  // 13 hex digits, which is what the specification reads from float.hex().
  const rejection = 2 - probability + 2 ** (-4 * digits - 1);
  const hex = rejection >= 2 ? 'fffffffffffff' : ((rejection - 1) * 2 ** 52).toString(16).padStart(13, '0');
  let end = digits;
  while (end > 0 && hex.charCodeAt(end - 1) === 48) end--;
  return end === 0 ? '0' : hex.slice(0, end);
}

/** The probability a threshold stands for: (2^56 - threshold) / 2^56. */
export function thresholdProbability(t: Value56): number {
  return 1 - (t.hi * 2 ** 28 + t.lo) / 2 ** 56;
}

/**
 * The adjusted count of a span sampled with threshold `t` (1 / probability): how many spans of
 * the population it stands for. Backends compute it from the `th` in the span's trace state.
 */
export function adjustedCount(t: Value56): number {
  return 1 / thresholdProbability(t);
}

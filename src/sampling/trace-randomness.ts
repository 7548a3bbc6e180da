import type { TraceState } from '@opentelemetry/api';

/**
 * Probability decisions from a trace's randomness, as the OpenTelemetry specification
 * "TraceState: Probability Sampling" defines them: 56 random bits (the `rv` value of the `ot`
 * tracestate entry when present, else the trace id's trailing 56 bits), compared with a
 * rejection threshold `T = (1 - p) · 2^56`; a trace is kept when `R >= T`. Every process that
 * applies the same rule to the same trace decides the same way.
 *
 * 56-bit numbers are kept as two 28-bit halves so that comparisons are exact in doubles.
 * @internal
 */

const TWO_28 = 2 ** 28;
const TWO_56 = 2 ** 56;

/** A 56-bit number as its high and low 28 bits. @internal */
export interface Bits56 {
  readonly hi: number;
  readonly lo: number;
}

const HEX14 = /^[0-9a-f]{14}$/;
const HEX_TH = /^[0-9a-f]{1,14}$/;

/** The `ot` entry's sub-keys we read: `rv` (explicit randomness) and `th` (a head sampler's threshold). */
function otValue(traceState: TraceState | undefined, key: 'rv' | 'th'): string | undefined {
  let ot: string | undefined;
  try {
    ot = traceState?.get('ot');
  } catch {
    return undefined;
  }
  if (ot === undefined) return undefined;
  for (const part of ot.split(';')) {
    if (part.length > 3 && part.charCodeAt(2) === 58 /* : */ && part.startsWith(key)) return part.slice(3);
  }
  return undefined;
}

/** The trace's randomness: `ot=rv:` when valid, else the trailing 56 bits of `traceId`. @internal */
export function traceRandomness(traceId: string, traceState?: TraceState): Bits56 {
  const rv = otValue(traceState, 'rv');
  const hex = rv !== undefined && HEX14.test(rv) ? rv : traceId.length === 32 ? traceId.slice(18) : '00000000000000';
  const hi = parseInt(hex.slice(0, 7), 16);
  const lo = parseInt(hex.slice(7), 16);
  return { hi: hi === hi ? hi : 0, lo: lo === lo ? lo : 0 };
}

/** The rejection threshold of probability `p` (clamped to [0, 1]); `p = 0` gives 2^56, which nothing reaches. @internal */
export function thresholdOf(p: number): Bits56 {
  const keep = p >= 1 ? TWO_56 : p > 0 ? Math.round(p * TWO_56) : 0;
  return split(TWO_56 - keep);
}

/** The threshold a head sampler wrote into `ot=th:` (trailing zeros omitted), if any. @internal */
export function headThreshold(traceState: TraceState | undefined): Bits56 | undefined {
  const th = otValue(traceState, 'th');
  if (th === undefined || !HEX_TH.test(th)) return undefined;
  const hex = th.padEnd(14, '0');
  return { hi: parseInt(hex.slice(0, 7), 16), lo: parseInt(hex.slice(7), 16) };
}

/** `R >= T`: the trace is kept at threshold `t`. @internal */
export function admits(r: Bits56, t: Bits56): boolean {
  return r.hi > t.hi || (r.hi === t.hi && r.lo >= t.lo);
}

/** The larger of two thresholds (the stricter rule). @internal */
export function maxThreshold(a: Bits56, b: Bits56): Bits56 {
  return admits(a, b) ? a : b;
}

/** `1 / p` for threshold `t`: how many traces one kept at `t` stands for (`Infinity` for p = 0). @internal */
export function adjustedCount(t: Bits56): number {
  const kept = TWO_56 - (t.hi * TWO_28 + t.lo);
  return kept <= 0 ? Infinity : TWO_56 / kept;
}

function split(value: number): Bits56 {
  const hi = Math.floor(value / TWO_28);
  return { hi, lo: value - hi * TWO_28 };
}

import type { TraceState } from '@opentelemetry/api';

/**
 * Probability decisions from a trace's randomness, as the OpenTelemetry specification
 * "TraceState: Probability Sampling" defines them: 56 random bits R (the `rv` value of the `ot`
 * tracestate entry when present, else the trace id's trailing 56 bits), compared with a
 * rejection threshold `T = (1 - p) · 2^56`; a trace is kept when `R >= T`. Every process that
 * applies the same rule to the same trace decides the same way.
 *
 * Both are kept as 14 lowercase hex digits, whose string order is their numeric order: the
 * comparison is exact and allocates nothing beyond one substring.
 * @internal
 */

const TWO_28 = 2 ** 28;
const TWO_56 = 2 ** 56;
const HEX14 = /^[0-9a-f]{14}$/;
const HEX_TH = /^[0-9a-f]{1,14}$/;
const ZERO14 = '00000000000000';

/** A sub-key of the `ot` tracestate entry (`ot=th:c;rv:...`), or undefined. */
function otValue(traceState: TraceState, key: 'rv' | 'th'): string | undefined {
  let ot: string | undefined;
  try {
    ot = traceState.get('ot');
  } catch {
    return undefined;
  }
  if (ot === undefined) return undefined;
  for (const part of ot.split(';')) {
    if (part.length > 3 && part.charCodeAt(2) === 58 /* : */ && part.startsWith(key)) return part.slice(3);
  }
  return undefined;
}

/** R as 14 hex digits: `ot=rv:` when valid, else the trailing 56 bits of `traceId`. @internal */
export function randomnessHex(traceId: string, traceState: TraceState | undefined): string {
  if (traceState !== undefined) {
    const rv = otValue(traceState, 'rv');
    if (rv !== undefined && HEX14.test(rv)) return rv;
  }
  return traceId.length === 32 ? traceId.substring(18) : ZERO14;
}

/**
 * T for probability `p`, as 14 hex digits; `undefined` when nothing is kept (`p` is 0, or
 * rounds to 0 at 56 bits). `p` of 1 or more gives all zeros: everything is kept.
 * @internal
 */
export function thresholdHex(p: number): string | undefined {
  if (!(p > 0)) return undefined;
  const keep = p >= 1 ? TWO_56 : Math.round(p * TWO_56);
  if (keep === 0) return undefined;
  // T = 2^56 - keep in two exact 28-bit halves (2^56 - 1 is not a double).
  const keepHi = Math.floor(keep / TWO_28);
  const keepLo = keep - keepHi * TWO_28;
  const hi = keepLo > 0 ? TWO_28 - keepHi - 1 : TWO_28 - keepHi;
  const lo = keepLo > 0 ? TWO_28 - keepLo : 0;
  return hi.toString(16).padStart(7, '0') + lo.toString(16).padStart(7, '0');
}

/** `R >= T`: the trace is kept at threshold `t` (never when `t` is undefined). @internal */
export function admits(randomness: string, threshold: string | undefined): boolean {
  return threshold !== undefined && randomness >= threshold;
}

/**
 * The probability with which a consistent head sampler kept this trace, from the `ot=th:` it
 * wrote into the trace state (trailing zeros omitted, as the specification encodes it); 1 when
 * there is none.
 * @internal
 */
export function headProbability(traceState: TraceState | undefined): number {
  if (traceState === undefined) return 1;
  const th = otValue(traceState, 'th');
  if (th === undefined || !HEX_TH.test(th)) return 1;
  const hex = th.padEnd(14, '0');
  const t = parseInt(hex.slice(0, 7), 16) * TWO_28 + parseInt(hex.slice(7), 16);
  return (TWO_56 - t) / TWO_56;
}

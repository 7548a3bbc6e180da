/**
 * The 56-bit randomness a consistent sampling decision compares with a threshold: an explicit
 * `rv` from the `ot` trace state entry when there is one, otherwise the trailing 56 bits (14 hex
 * digits) of the trace id, which W3C Trace Context Level 2 makes random when the `random` trace
 * flag is set. tracelight's own trace ids come from the OS CSPRNG and its tracer sets that flag
 * on every trace it starts.
 * @module
 */
import { hexDigit, atLeast, type Value56 } from './threshold.js';

/**
 * Whether the randomness of `traceId` (its last 14 hex digits) is at least `threshold`, i.e.
 * the consistent decision "keep". Reads the digits in place, without allocating. A trace id
 * that is not hex (never from a valid context) counts as randomness 0: never kept unless the
 * threshold is 0.
 */
export function traceIdAtLeast(traceId: string, threshold: Value56): boolean {
  const n = traceId.length;
  if (n < 14) return threshold.hi === 0 && threshold.lo === 0;
  let hi = 0;
  let lo = 0;
  for (let i = n - 14, k = 0; k < 14; i++, k++) {
    const d = hexDigit(traceId.charCodeAt(i));
    if (d < 0) return threshold.hi === 0 && threshold.lo === 0;
    if (k < 7) hi = hi * 16 + d;
    else lo = lo * 16 + d;
  }
  return atLeast(hi, lo, threshold);
}

/** Whether an explicit randomness value `rv` (already validated) is at least `threshold`. */
export function randomValueAtLeast(rv: Value56, threshold: Value56): boolean {
  return atLeast(rv.hi, rv.lo, threshold);
}

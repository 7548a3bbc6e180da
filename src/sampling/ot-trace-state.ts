/**
 * The OpenTelemetry entry of `tracestate` (key `ot`): `;`-separated `key:value` sub-keys, of
 * which consistent probability sampling uses `th` (rejection threshold, 1-14 hex digits) and
 * `rv` (explicit randomness, exactly 14 hex digits). Reads and edits it, bounded for any input.
 * @module
 */
import { parseTh, type Value56 } from './threshold.js';

/** The `tracestate` key of OpenTelemetry's entry. */
export const OT_KEY = 'ot';

/** Longest `ot` value we read or write: the whole entry may not exceed 256 characters. */
export const OT_MAX_LENGTH = 256;

/** What consistent sampling reads from an `ot` value. */
export interface OtSampling {
  /** The threshold of a valid `th` sub-key. */
  th?: Value56;
  /** Whether a `th` sub-key was present but invalid (it is then erased on the way out). */
  badTh?: boolean;
  /** The randomness of a valid `rv` sub-key. */
  rv?: Value56;
}

const NOTHING: OtSampling = Object.freeze({});

/**
 * Reads `th` and `rv` from an `ot` value. A value over {@link OT_MAX_LENGTH} or not a string is
 * ignored entirely; the first `th` and first `rv` count; an `rv` that is not exactly 14 hex
 * digits is ignored (the trace id's randomness is used instead). Linear in the input, never throws.
 */
export function readOtSampling(ot: unknown): OtSampling {
  if (typeof ot !== 'string' || ot.length === 0 || ot.length > OT_MAX_LENGTH) return NOTHING;
  let out: { th?: Value56; badTh?: boolean; rv?: Value56 } | undefined;
  let seenTh = false;
  let seenRv = false;
  let start = 0;
  const n = ot.length;
  while (start <= n) {
    let end = ot.indexOf(';', start);
    if (end < 0) end = n;
    // Sub-keys are two characters here: compare in place, slice only the value we need.
    if (end - start > 3 && ot.charCodeAt(start + 2) === 58 /* : */) {
      const a = ot.charCodeAt(start);
      const b = ot.charCodeAt(start + 1);
      if (a === 116 && b === 104 && !seenTh) {
        seenTh = true;
        const th = parseTh(ot.slice(start + 3, end));
        out ??= {};
        if (th === undefined) out.badTh = true;
        else out.th = th;
      } else if (a === 114 && b === 118 && !seenRv) {
        seenRv = true;
        if (end - start === 17) {
          const rv = parseTh(ot.slice(start + 3, end));
          if (rv !== undefined) (out ??= {}).rv = rv;
        }
      }
    } else if (end - start === 3 && ot.charCodeAt(start) === 116 && ot.charCodeAt(start + 1) === 104 && ot.charCodeAt(start + 2) === 58 && !seenTh) {
      seenTh = true; // `th:` with an empty value
      (out ??= {}).badTh = true;
    }
    start = end + 1;
  }
  return out ?? NOTHING;
}

/**
 * The `ot` value with its `th` sub-key set to `th` (first), or removed when `th` is undefined;
 * every other sub-key kept in order, empty members dropped. Trailing sub-keys are dropped if
 * the result would exceed {@link OT_MAX_LENGTH}. `''` when nothing is left.
 */
export function withTh(ot: string | undefined, th: string | undefined): string {
  let out = th === undefined ? '' : 'th:' + th;
  if (typeof ot === 'string' && ot.length <= OT_MAX_LENGTH * 4) {
    for (const member of ot.split(';')) {
      if (member === '' || member.startsWith('th:')) continue;
      const next = out === '' ? member : out + ';' + member;
      if (next.length > OT_MAX_LENGTH) break;
      out = next;
    }
  }
  return out;
}

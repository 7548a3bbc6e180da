/**
 * The W3C Baggage parser run on every traced request: bounded work whatever the input, and no
 * exception on any path (validation comes before decoding), so a hostile header costs a linear
 * scan of at most {@link BAGGAGE_MAX_BYTES} characters.
 * @module
 * @internal
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { baggageEntryMetadataFromString } from '@opentelemetry/api';
import type { BaggageEntry } from '@opentelemetry/api';
import { BAGGAGE_CLASS, BAGGAGE_OCTET, EQUALS, HEX_VALUE, TCHAR, isOws } from './chars.js';
import { BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, BAGGAGE_MAX_MEMBER_LENGTH } from './constants.js';
import { validProperties } from './baggage-properties.js';

/** Entries by key; null prototype, so a member named `__proto__` is just a key. */
export type BaggageRecord = Record<string, BaggageEntry>;

/** Parse state carried across the values of a repeated header. */
interface State {
  entries: BaggageRecord;
  count: number;
  /** Characters still allowed to be examined. */
  budget: number;
}

function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c <= 0x66 ? HEX_VALUE[c | 0x20] ?? -1 : -1;
}

/**
 * Percent-decodes `s[from, to)`, whose characters were already checked to be ASCII. Returns
 * `undefined` for a malformed escape or bytes that are not UTF-8 (what makes
 * `decodeURIComponent` throw), without throwing: escapes are checked first, so the common
 * cases (no escape, ASCII escapes) never allocate more than the result.
 */
function decode(s: string, from: number, to: number): string | undefined {
  const pct = s.indexOf('%', from);
  if (pct === -1 || pct >= to) return s.slice(from, to);
  let high = false;
  for (let i = pct; i < to; i++) {
    if (s.charCodeAt(i) !== 0x25 /* % */) continue;
    if (i + 2 >= to) return undefined;
    const hi = hexAt(s, i + 1);
    if (hi < 0 || hexAt(s, i + 2) < 0) return undefined;
    if (hi >= 8) high = true;
    i += 2;
  }
  const raw = s.slice(from, to);
  // Only ASCII escapes, all well formed: decodeURIComponent cannot throw.
  if (!high) return decodeURIComponent(raw);
  const bytes = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      bytes[n++] = (hexAt(raw, i + 1) << 4) | hexAt(raw, i + 2);
      i += 2;
    } else {
      bytes[n++] = c;
    }
  }
  const view = bytes.subarray(0, n);
  return isUtf8(view) ? view.toString('utf8') : undefined;
}

/** Index of the first char from `i` (up to `to`) whose class lacks `bit`. */
function skipClass(s: string, i: number, to: number, bit: number): number {
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (BAGGAGE_CLASS[c]! & bit) === 0) return i;
  }
  return i;
}

/** Parses one list-member `s[from, to)` into the state; an invalid member is skipped. */
function member(s: string, from: number, to: number, state: State): void {
  let a = from;
  let b = to;
  while (a < b && isOws(s.charCodeAt(a))) a++;
  while (b > a && isOws(s.charCodeAt(b - 1))) b--;
  if (a === b || b - a > BAGGAGE_MAX_MEMBER_LENGTH) return;
  const keyEnd = skipClass(s, a, b, TCHAR);
  if (keyEnd === a) return;
  let i = keyEnd;
  while (i < b && isOws(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== EQUALS) return;
  i++;
  while (i < b && isOws(s.charCodeAt(i))) i++;
  const valueStart = i;
  const valueEnd = skipClass(s, i, b, BAGGAGE_OCTET);
  i = valueEnd;
  while (i < b && isOws(s.charCodeAt(i))) i++;
  if (i < b && s.charCodeAt(i) !== 0x3b /* ; */) return;
  // Empty values are dropped, as @opentelemetry/core does.
  if (valueEnd === valueStart) return;
  const key = decode(s, a, keyEnd);
  if (key === undefined || key === '') return;
  const value = decode(s, valueStart, valueEnd);
  if (value === undefined) return;
  let entry: BaggageEntry = { value };
  if (i < b) {
    const properties = validProperties(s, i + 1, b);
    if (properties !== '') entry = { value, metadata: baggageEntryMetadataFromString(properties) };
  }
  state.entries[key] = entry;
  state.count++;
}

/** Parses one header value into `state`, within its budget. */
function parseValue(s: string, state: State): void {
  let start = 0;
  const limit = Math.min(s.length, state.budget);
  while (start < limit && state.count < BAGGAGE_MAX_MEMBERS) {
    let end = s.indexOf(',', start);
    if (end === -1) end = s.length;
    // A member running past the budget would be partial: the spec forbids keeping those.
    if (end > limit) break;
    member(s, start, end, state);
    start = end + 1;
  }
  // The comma that joins this value to the next one counts against the budget.
  state.budget -= Math.min(s.length, state.budget - 1) + 1;
}

/**
 * Parses `baggage` header values (a repeated header gives several, read in order as if joined
 * with `,`). Looks at no more than the first {@link BAGGAGE_MAX_BYTES} characters and keeps at
 * most {@link BAGGAGE_MAX_MEMBERS} members; a member must be valid by the W3C Baggage grammar
 * (token key, baggage-octet value, valid percent-escapes of UTF-8), members longer than
 * {@link BAGGAGE_MAX_MEMBER_LENGTH} or with an empty value are skipped, invalid properties are
 * dropped from their member. Returns `undefined` when no member is valid. Never throws.
 * @internal
 */
export function parseBaggage(values: string | readonly string[]): BaggageRecord | undefined {
  const state: State = { entries: Object.create(null) as BaggageRecord, count: 0, budget: BAGGAGE_MAX_BYTES };
  if (typeof values === 'string') parseValue(values, state);
  else {
    for (let i = 0; i < values.length && state.budget > 0 && state.count < BAGGAGE_MAX_MEMBERS; i++) {
      parseValue(values[i]!, state);
    }
  }
  return state.count === 0 ? undefined : state.entries;
}

/**
 * The W3C Baggage parser run on every traced request: bounded work whatever the input, and no
 * exception on any path (validation comes before decoding), so a hostile header costs one scan
 * of at most {@link BAGGAGE_MAX_BYTES} characters and {@link BAGGAGE_MAX_MEMBERS} list-members.
 * @module
 * @internal
 */
import { baggageEntryMetadataFromString } from '@opentelemetry/api';
import type { BaggageEntry } from '@opentelemetry/api';
import { percentDecode } from '../internal/percent-decode.js';
import { validProperties } from './baggage-properties.js';
import { BAGGAGE_CLASS, BAGGAGE_OCTET, COMMA, EQUALS, HTAB, SP, TCHAR } from './chars.js';
import { BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, BAGGAGE_MAX_MEMBER_LENGTH } from './constants.js';

const PERCENT = 0x25;
const SEMICOLON = 0x3b;

/** Entries by key; null prototype, so a member named `__proto__` is just a key. */
export type BaggageRecord = Record<string, BaggageEntry>;

/** Parse state carried across the values of a repeated header. */
interface State {
  entries: BaggageRecord;
  count: number;
  /** List-members looked at, valid or not: the member limit bounds the work, not only the result. */
  examined: number;
  /** Characters still allowed to be examined. */
  budget: number;
}

/**
 * Parses one header value into `state`, within its budget: one pass over the characters with
 * table lookups, no call per character; decoding and allocation happen only for valid members.
 */
function parseValue(s: string, state: State): void {
  const limit = s.length < state.budget ? s.length : state.budget;
  const table = BAGGAGE_CLASS;
  let start = 0;
  while (start < limit && state.examined < BAGGAGE_MAX_MEMBERS) {
    state.examined++;
    let i = start;
    let c = 0;
    while (i < limit && ((c = s.charCodeAt(i)) === SP || c === HTAB)) i++;
    const keyStart = i;
    let keyPct = false;
    for (; i < limit; i++) {
      c = s.charCodeAt(i);
      if (c >= 128 || (table[c]! & TCHAR) === 0) break;
      if (c === PERCENT) keyPct = true;
    }
    const keyEnd = i;
    while (i < limit && ((c = s.charCodeAt(i)) === SP || c === HTAB)) i++;
    let valid = keyEnd > keyStart && i < limit && c === EQUALS;
    let valueStart = i + 1;
    let valueEnd = valueStart;
    let valuePct = false;
    if (valid) {
      i++;
      while (i < limit && ((c = s.charCodeAt(i)) === SP || c === HTAB)) i++;
      valueStart = i;
      for (; i < limit; i++) {
        c = s.charCodeAt(i);
        if (c >= 128 || (table[c]! & BAGGAGE_OCTET) === 0) break;
        if (c === PERCENT) valuePct = true;
      }
      valueEnd = i;
      while (i < limit && ((c = s.charCodeAt(i)) === SP || c === HTAB)) i++;
      // Empty values are dropped, as @opentelemetry/core does.
      valid = valueEnd > valueStart && (i === s.length || c === COMMA || c === SEMICOLON);
    }
    // A member running past the budget would be partial: the spec forbids keeping those (and
    // the rest of an oversized header is never searched).
    if (i === limit && limit < s.length) break;
    let end = i < s.length && c === COMMA ? i : s.indexOf(',', i);
    if (end === -1) end = s.length;
    if (end > limit) break;
    if (valid && end - start <= BAGGAGE_MAX_MEMBER_LENGTH) {
      // The value first: a bad escape there is the cheapest rejection.
      const value: string | undefined = valuePct ? percentDecode(s, valueStart, valueEnd) : s.slice(valueStart, valueEnd);
      const key: string | undefined = value === undefined ? undefined : keyPct ? percentDecode(s, keyStart, keyEnd) : s.slice(keyStart, keyEnd);
      if (value !== undefined && key !== undefined && key !== '') {
        let entry: BaggageEntry = { value };
        if (c === SEMICOLON && i < end) {
          const properties = validProperties(s, i + 1, end);
          if (properties !== '') entry = { value, metadata: baggageEntryMetadataFromString(properties) };
        }
        state.entries[key] = entry;
        state.count++;
      }
    }
    start = end + 1;
  }
  // The comma that joins this value to the next one counts against the budget.
  state.budget -= Math.min(s.length, state.budget - 1) + 1;
}

/**
 * Parses `baggage` header values (a repeated header gives several, read in order as if joined
 * with `,`). Looks at no more than the first {@link BAGGAGE_MAX_BYTES} characters and the first
 * {@link BAGGAGE_MAX_MEMBERS} list-members, valid or not (so 16 KB of bad members cost as much as
 * 180 of them); a member must be valid by the W3C Baggage grammar
 * (token key, baggage-octet value, valid percent-escapes of UTF-8), members longer than
 * {@link BAGGAGE_MAX_MEMBER_LENGTH} or with an empty value are skipped, invalid properties are
 * dropped from their member. Returns `undefined` when no member is valid. Never throws.
 * @internal
 */
export function parseBaggage(values: string | readonly string[]): BaggageRecord | undefined {
  const state: State = { entries: Object.create(null) as BaggageRecord, count: 0, examined: 0, budget: BAGGAGE_MAX_BYTES };
  if (typeof values === 'string') parseValue(values, state);
  else {
    for (let i = 0; i < values.length && state.budget > 0 && state.examined < BAGGAGE_MAX_MEMBERS; i++) {
      parseValue(values[i]!, state);
    }
  }
  return state.count === 0 ? undefined : state.entries;
}

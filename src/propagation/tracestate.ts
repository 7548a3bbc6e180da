/**
 * The W3C `tracestate` list (Trace Context Level 2): a single-pass, allocation-light parser and an
 * immutable {@link TraceState} implementing the OpenTelemetry API interface.
 * @module
 */
import type { TraceState as ApiTraceState } from '@opentelemetry/api';
import { CHAR_CLASS, COMMA, EQUALS, HTAB, KEY_CHAR, KEY_START, SP, VALUE_NBLK } from './chars.js';
import {
  TRACESTATE_LARGE_MEMBER,
  TRACESTATE_MAX_INJECT_LENGTH,
  TRACESTATE_MAX_INPUT_LENGTH,
  TRACESTATE_MAX_KEY_LENGTH,
  TRACESTATE_MAX_LIST_MEMBERS,
  TRACESTATE_MAX_MEMBERS,
  TRACESTATE_MAX_VALUE_LENGTH,
} from './constants.js';

/**
 * Work a parse did, for tests that prove the parser linear: characters examined (each position
 * of the forward scan once, plus the characters compared while looking for duplicate keys).
 * @internal
 */
export interface TraceStateScanWork {
  examined: number;
}

/** Token that lets this module build a {@link TraceState} from an already canonical string. */
const CANONICAL: unique symbol = Symbol('tracelight.canonical-tracestate');

/** Token that lets this module build a {@link TraceState} validated on first use. */
const PENDING: unique symbol = Symbol('tracelight.pending-tracestate');

/**
 * Parses a combined `tracestate` header value (several header fields joined with `,`). Returns
 * `undefined` when the header is invalid or has no members: per the processing model a vendor
 * MAY discard an unparsable `tracestate` entirely, and that is what we (and the W3C test suite at
 * strict level 2) do; it never affects `traceparent`.
 *
 * Grammar (Level 2): members separated by `,` with optional spaces/tabs around them; empty and
 * whitespace-only members are skipped; key = (`a-z`/`0-9`) then up to 255 of `a-z 0-9 _ - * / @`;
 * value = up to 256 printable ASCII characters except `,` and `=`, ending with a non-space
 * (leading spaces are part of the value, trailing ones are optional whitespace). At most 32
 * distinct members. Duplicate keys are invalid input that the spec lets vendors drop: the
 * left-most (most recent) entry is kept and later ones are discarded. A list of more than
 * {@link TRACESTATE_MAX_LIST_MEMBERS} members, counting empty and duplicate ones, is invalid.
 *
 * Cost: one forward pass with no backtracking, plus a comparison of keys whose hash and length
 * match an earlier key; inputs over {@link TRACESTATE_MAX_INPUT_LENGTH} are dropped unscanned.
 */
export function parseTraceStateHeader(raw: string, work?: TraceStateScanWork): TraceState | undefined {
  const canonical = canonicalTraceState(raw, work);
  return canonical === undefined ? undefined : new TraceState(canonical, CANONICAL);
}

/**
 * A W3C `tracestate` list from a header value, validated by the rules of extraction (an invalid or
 * empty value gives an empty list), implementing the OpenTelemetry API's `TraceState`: stricter
 * than the API's `createTraceState`, since `set` ignores keys and values that could not be sent in
 * a header, so whatever the list holds can always be propagated.
 *
 * @example
 * ```ts
 * const state = parseTraceState('congo=t61rcWkgMzE').set('rojo', '00f067aa0ba902b7');
 * state.serialize(); // 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'
 * ```
 */
export function parseTraceState(value?: string): ApiTraceState {
  return new TraceState(value);
}

/**
 * A tracestate whose header is validated on first use (any method call), with the rules of
 * {@link parseTraceStateHeader}; an invalid header then behaves as an empty list. Extraction
 * uses it so that a service which never reads or forwards `tracestate` pays nothing for it;
 * validation is cached, so forwarding pays once.
 * @internal
 */
export function lazyTraceState(raw: string): TraceState {
  return new TraceState(raw, PENDING);
}

/**
 * The canonical form of a header (see {@link parseTraceStateHeader}), or `undefined`; `work`,
 * when given, receives the characters examined.
 */
function canonicalTraceState(raw: string, work?: TraceStateScanWork): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const n = raw.length;
  if (n > TRACESTATE_MAX_INPUT_LENGTH) {
    if (work !== undefined) work.examined = 0;
    return undefined;
  }
  // Per member: key start, key end, value end, key hash. One per call, so the parser is reentrant.
  const members: number[] = [];
  let i = 0;
  let count = 0;
  let slots = 0;
  let compared = 0;
  let valid = false;
  scan: {
    for (;;) {
      let c = 0;
      while (i < n && ((c = raw.charCodeAt(i)) === SP || c === HTAB)) i++;
      if (i === n) break; // empty header, or an empty last member
      // Every slot counts, empty or duplicate: no honest header has this many, and the bound
      // keeps a header of thousands of tiny members as cheap as a valid one.
      if (++slots > TRACESTATE_MAX_LIST_MEMBERS) break scan;
      if (c === COMMA) {
        i++; // empty or whitespace-only member
        continue;
      }
      const keyStart = i;
      if (c >= 128 || (CHAR_CLASS[c]! & KEY_START) === 0) break scan;
      let hash = Math.imul(0x811c9dc5 ^ c, 0x01000193);
      i++;
      for (;;) {
        if (i === n) break scan; // a key without `=`
        c = raw.charCodeAt(i);
        if (c < 128 && (CHAR_CLASS[c]! & KEY_CHAR) !== 0) {
          hash = Math.imul(hash ^ c, 0x01000193);
          i++;
          continue;
        }
        if (c === EQUALS) break;
        break scan;
      }
      const keyEnd = i;
      if (keyEnd - keyStart > TRACESTATE_MAX_KEY_LENGTH) break scan;
      i++; // `=`
      const valueStart = i;
      let valueEnd = -1;
      while (i < n) {
        c = raw.charCodeAt(i);
        if (c < 128 && (CHAR_CLASS[c]! & VALUE_NBLK) !== 0) {
          i++;
          valueEnd = i;
          continue;
        }
        if (c === COMMA) break;
        if (c === SP) {
          i++; // inside the value, or trailing whitespace: decided by what follows
          continue;
        }
        if (c === HTAB) {
          // Tabs are never part of a value: only whitespace may follow, up to `,` or the end.
          i++;
          while (i < n && ((c = raw.charCodeAt(i)) === SP || c === HTAB)) i++;
          if (i < n && c !== COMMA) break scan;
          break;
        }
        break scan;
      }
      // An empty or all-space value is invalid; so is one over 256 characters.
      if (valueEnd < 0 || valueEnd - valueStart > TRACESTATE_MAX_VALUE_LENGTH) break scan;
      const keyLength = keyEnd - keyStart;
      let duplicate = false;
      for (let m = 0; m < count; m++) {
        const o = m << 2;
        if (members[o + 3] !== hash || members[o + 1]! - members[o]! !== keyLength) continue;
        const other = members[o]!;
        let k = 0;
        while (k < keyLength && raw.charCodeAt(other + k) === raw.charCodeAt(keyStart + k)) k++;
        compared += k;
        if (k === keyLength) {
          duplicate = true;
          break;
        }
      }
      if (!duplicate) {
        if (count === TRACESTATE_MAX_MEMBERS) break scan; // a 33rd member: the list is invalid
        members.push(keyStart, keyEnd, valueEnd, hash);
        count++;
      }
      if (i === n) break;
      i++; // `,`
    }
    valid = true;
  }
  if (work !== undefined) work.examined = i + compared;
  if (!valid || count === 0) return undefined;

  // Already canonical (no whitespace, empty members or dropped duplicates)? Then keep it as is.
  let canonicalLength = count - 1;
  for (let m = 0; m < count; m++) canonicalLength += members[(m << 2) + 2]! - members[m << 2]!;
  if (canonicalLength === n) return raw;
  let out = raw.slice(members[0]!, members[2]!);
  for (let m = 1; m < count; m++) out += ',' + raw.slice(members[m << 2]!, members[(m << 2) + 2]!);
  return out;
}

/** Whether `key` is a valid Level 2 `tracestate` key. */
export function isValidTraceStateKey(key: unknown): key is string {
  if (typeof key !== 'string') return false;
  const n = key.length;
  if (n === 0 || n > TRACESTATE_MAX_KEY_LENGTH) return false;
  let c = key.charCodeAt(0);
  if (c >= 128 || (CHAR_CLASS[c]! & KEY_START) === 0) return false;
  for (let i = 1; i < n; i++) {
    c = key.charCodeAt(i);
    if (c >= 128 || (CHAR_CLASS[c]! & KEY_CHAR) === 0) return false;
  }
  return true;
}

/** Whether `value` is a valid `tracestate` value (1-256 printable ASCII, no `,` `=`, no trailing space). */
export function isValidTraceStateValue(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const n = value.length;
  if (n === 0 || n > TRACESTATE_MAX_VALUE_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c !== SP && (c >= 128 || (CHAR_CLASS[c]! & VALUE_NBLK) === 0)) return false;
  }
  return value.charCodeAt(n - 1) !== SP;
}

/**
 * Immutable `tracestate` list implementing the OpenTelemetry API `TraceState`. Unlike the
 * API's contract (which does not validate), `set` ignores keys and values that could not be
 * sent in a header, so whatever this object holds can always be propagated; `set` moves the key
 * to the front (the spec: modified keys go left) and drops the right-most member beyond 32.
 *
 * The extracted form keeps the header string, validates it on first use and splits it only
 * if a member is read or changed, so a pass-through service pays for one validation and no
 * per-member allocation.
 */
export class TraceState implements ApiTraceState {
  private _pending: string | undefined;
  private _serialized: string | undefined;
  private _keys: string[] | undefined;
  private _values: string[] | undefined;
  private _header: string | undefined;

  /**
   * @param serialized optional `tracestate` header value; if it is invalid the list is empty
   *   (the same rule as extraction).
   */
  constructor(serialized?: string, token?: typeof CANONICAL | typeof PENDING) {
    this._pending = token === PENDING ? serialized : undefined;
    this._keys = undefined;
    this._values = undefined;
    this._header = undefined;
    if (token === CANONICAL) this._serialized = serialized;
    else if (token === PENDING || serialized === undefined || serialized === '') this._serialized = '';
    else this._serialized = canonicalTraceState(serialized) ?? '';
  }

  /** Value of `key`, or `undefined`. */
  get(key: string): string | undefined {
    if (this._pending !== undefined) this._validate();
    const keys = this._split();
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this._values![i];
    return undefined;
  }

  /**
   * A new list with `key` set to `value`, moved to the front. Returns this list unchanged when
   * `key` or `value` is not valid for the header (see {@link isValidTraceStateKey}).
   */
  set(key: string, value: string): TraceState {
    if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return this;
    if (this._pending !== undefined) this._validate();
    const keys = this._split();
    const values = this._values!;
    const nextKeys = [key];
    const nextValues = [value];
    for (let i = 0; i < keys.length && nextKeys.length < TRACESTATE_MAX_MEMBERS; i++) {
      if (keys[i] === key) continue;
      nextKeys.push(keys[i]!);
      nextValues.push(values[i]!);
    }
    return TraceState._of(nextKeys, nextValues);
  }

  /** A new list without `key` (this list when `key` is absent). */
  unset(key: string): TraceState {
    if (this._pending !== undefined) this._validate();
    const keys = this._split();
    const index = keys.indexOf(key);
    if (index < 0) return this;
    const nextKeys = keys.slice();
    const nextValues = this._values!.slice();
    nextKeys.splice(index, 1);
    nextValues.splice(index, 1);
    return TraceState._of(nextKeys, nextValues);
  }

  /** The list as a header value: `key=value` members joined by `,`, no whitespace. */
  serialize(): string {
    if (this._pending !== undefined) this._validate();
    if (this._serialized === undefined) {
      const keys = this._keys!;
      const values = this._values!;
      let s = '';
      for (let i = 0; i < keys.length; i++) s += (i === 0 ? '' : ',') + keys[i] + '=' + values[i];
      this._serialized = s;
    }
    return this._serialized;
  }

  /**
   * The value to write in an outgoing header: the whole list when it fits in
   * {@link TRACESTATE_MAX_INJECT_LENGTH} characters, otherwise truncated by whole members as
   * the spec says (members over 128 characters first, right to left, then from the end).
   * `''` when there is nothing to write. Cached.
   * @internal
   */
  _headerValue(): string {
    if (this._header === undefined) {
      if (this._pending !== undefined) this._validate();
      const s = this.serialize();
      this._header = s.length <= TRACESTATE_MAX_INJECT_LENGTH ? s : this._truncated();
    }
    return this._header;
  }

  private _validate(): void {
    this._serialized = canonicalTraceState(this._pending!) ?? '';
    this._pending = undefined;
  }

  private _truncated(): string {
    const keys = this._split();
    const values = this._values!;
    const n = keys.length;
    const lengths = new Array<number>(n);
    const kept = new Array<boolean>(n).fill(true);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += lengths[i] = keys[i]!.length + 1 + values[i]!.length;
    let keptCount = n;
    const fits = (): boolean => keptCount === 0 || sum + keptCount - 1 <= TRACESTATE_MAX_INJECT_LENGTH;
    for (let i = n - 1; i >= 0 && !fits(); i--) {
      if (lengths[i]! > TRACESTATE_LARGE_MEMBER) {
        kept[i] = false;
        sum -= lengths[i]!;
        keptCount--;
      }
    }
    for (let i = n - 1; i >= 0 && !fits(); i--) {
      if (kept[i]) {
        kept[i] = false;
        sum -= lengths[i]!;
        keptCount--;
      }
    }
    let out = '';
    for (let i = 0; i < n; i++) if (kept[i]) out += (out === '' ? '' : ',') + keys[i] + '=' + values[i];
    return out;
  }

  private _split(): string[] {
    if (this._keys === undefined) {
      const keys: string[] = [];
      const values: string[] = [];
      const s = this._serialized!;
      if (s !== '') {
        for (const member of s.split(',')) {
          const eq = member.indexOf('=');
          keys.push(member.slice(0, eq));
          values.push(member.slice(eq + 1));
        }
      }
      this._keys = keys;
      this._values = values;
    }
    return this._keys;
  }

  private static _of(keys: string[], values: string[]): TraceState {
    const state = new TraceState('', CANONICAL);
    state._serialized = undefined;
    state._keys = keys;
    state._values = values;
    return state;
  }
}

/**
 * The `tracestate` header value to write for any API `TraceState` (ours, or another
 * implementation's): validated with the same rules as extraction and bounded like
 * {@link TraceState._headerValue}. `''` when there is nothing valid to write. Never throws.
 * @internal
 */
export function traceStateHeaderValue(state: ApiTraceState): string {
  if (state instanceof TraceState) return state._headerValue();
  try {
    const raw = state.serialize();
    if (typeof raw !== 'string' || raw === '') return '';
    const canonical = canonicalTraceState(raw);
    return canonical === undefined ? '' : new TraceState(canonical, CANONICAL)._headerValue();
  } catch {
    return '';
  }
}

/**
 * Writes one W3C Baggage list-member that is valid by the grammar, whatever the entry holds.
 * @module
 * @internal
 */
import { Buffer } from 'node:buffer';
import { BAGGAGE_CLASS, KEY_SAFE, VALUE_SAFE } from './chars.js';
import { validProperties } from './baggage-properties.js';

const HEX = '0123456789ABCDEF';

/**
 * Percent-encodes `s` as `encodeURIComponent` does, except that with `KEY_SAFE` the parentheses
 * are encoded too (they are not `tchar`, so `a(b)` is no valid key). Returns `s` itself when
 * nothing needs encoding, and `undefined` for a string that is not well-formed UTF-16 (a lone
 * surrogate, which makes `encodeURIComponent` throw).
 */
function percentEncode(s: string, safe: number): string | undefined {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (BAGGAGE_CLASS[c]! & safe) === 0) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      out += (BAGGAGE_CLASS[c]! & safe) !== 0 ? s[i] : '%' + HEX[c >> 4] + HEX[c & 15];
      continue;
    }
    // Non-ASCII: its UTF-8 bytes; a surrogate pair is one code point, a lone surrogate has none.
    let end = i + 1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return undefined;
      end = i + 2;
    }
    for (const b of Buffer.from(s.slice(i, end), 'utf8')) out += '%' + HEX[b >> 4] + HEX[b & 15];
    i = end - 1;
  }
  return out;
}

/**
 * `key=value;properties` for one baggage entry, or `undefined` when the entry cannot be written
 * validly: an empty key or value (a receiver drops those), or a lone surrogate. Properties are
 * kept one by one when valid by the grammar; invalid ones (CR/LF, non-ASCII, `,`) are dropped.
 * @internal
 */
export function encodeBaggageMember(key: string, value: string, metadata: string | undefined): string | undefined {
  if (key === '' || value === '') return undefined;
  const k = percentEncode(key, KEY_SAFE);
  const v = k === undefined ? undefined : percentEncode(value, VALUE_SAFE);
  if (k === undefined || v === undefined) return undefined;
  const member = k + '=' + v;
  if (metadata === undefined || metadata === '') return member;
  const properties = validProperties(metadata);
  return properties === '' ? member : member + ';' + properties;
}

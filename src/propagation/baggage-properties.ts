/**
 * W3C Baggage member properties (`;p=1;flag`): kept only when valid by the grammar, on extract
 * and on inject alike, so what we forward can never break the header (a CR/LF or a comma in
 * metadata would split it or inject a header on transports that write it raw).
 * @module
 * @internal
 */
import { BAGGAGE_CLASS, BAGGAGE_OCTET, TCHAR, isOws } from './chars.js';

/** Char class bits of `s[i]`, 0 for non-ASCII. */
function classAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? BAGGAGE_CLASS[c]! : 0;
}

/**
 * Whether `s[from, to)` (already trimmed of OWS) is a valid property: `key` or
 * `key OWS "=" OWS *baggage-octet`.
 */
function validProperty(s: string, from: number, to: number): boolean {
  let i = from;
  while (i < to && (classAt(s, i) & TCHAR) !== 0) i++;
  if (i === from) return false;
  if (i === to) return true;
  while (i < to && isOws(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 0x3d /* = */) return false;
  i++;
  while (i < to && isOws(s.charCodeAt(i))) i++;
  for (; i < to; i++) if ((classAt(s, i) & BAGGAGE_OCTET) === 0) return false;
  return true;
}

/**
 * The valid properties of `s[from, to)` (a `;`-separated list), each trimmed of OWS and joined
 * with `;`; invalid ones are dropped one by one. Returns `''` when none is valid, and `s` itself
 * (no copy) when the whole string already is a clean list.
 * @internal
 */
export function validProperties(s: string, from = 0, to = s.length): string {
  let out = '';
  let clean = true;
  let start = from;
  while (start <= to) {
    let end = s.indexOf(';', start);
    if (end === -1 || end > to) end = to;
    let a = start;
    let b = end;
    while (a < b && isOws(s.charCodeAt(a))) a++;
    while (b > a && isOws(s.charCodeAt(b - 1))) b--;
    if (a !== start || b !== end) clean = false;
    if (a < b && validProperty(s, a, b)) out += (out === '' ? '' : ';') + s.slice(a, b);
    else clean = false;
    start = end + 1;
  }
  return clean && from === 0 && to === s.length ? s : out;
}

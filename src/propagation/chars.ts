/**
 * Character tables for the hand-written Trace Context parsers: one typed-array lookup per
 * character instead of a regular expression, so parsing allocates nothing and cannot backtrack.
 * @module
 * @internal
 */

/** `-` */
export const DASH = 0x2d;
/** `,` */
export const COMMA = 0x2c;
/** `=` */
export const EQUALS = 0x3d;
/** space */
export const SP = 0x20;
/** horizontal tab */
export const HTAB = 0x09;

/**
 * Value of a lowercase hex digit, or -1. Indexed by char code up to `f` (0x66); callers check
 * `code <= 0x66` first (uppercase hex is not valid in `traceparent`).
 * @internal
 */
export const HEX_VALUE: Int8Array = (() => {
  const t = new Int8Array(0x67).fill(-1);
  for (let c = 0x30; c <= 0x39; c++) t[c] = c - 0x30;
  for (let c = 0x61; c <= 0x66; c++) t[c] = c - 0x61 + 10;
  return t;
})();

/** Bit in {@link CHAR_CLASS}: may start a tracestate key (`a-z`, `0-9`). */
export const KEY_START = 1;
/** Bit in {@link CHAR_CLASS}: may appear in a tracestate key (`a-z 0-9 _ - * / @`, Level 2). */
export const KEY_CHAR = 2;
/** Bit in {@link CHAR_CLASS}: a non-blank tracestate value character (0x21-0x7E except `,` `=`). */
export const VALUE_NBLK = 4;

/**
 * Character classes for tracestate keys and values, indexed by char code below 128.
 * @internal
 */
export const CHAR_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(128);
  for (let c = 0x61; c <= 0x7a; c++) t[c] = KEY_START | KEY_CHAR;
  for (let c = 0x30; c <= 0x39; c++) t[c] = KEY_START | KEY_CHAR;
  for (const ch of '_-*/@') t[ch.charCodeAt(0)] = KEY_CHAR;
  for (let c = 0x21; c <= 0x7e; c++) if (c !== COMMA && c !== EQUALS) t[c] = t[c]! | VALUE_NBLK;
  return t;
})();

/** Whether `c` is optional whitespace (space or tab). @internal */
export function isOws(c: number): boolean {
  return c === SP || c === HTAB;
}

/** Bit in {@link BAGGAGE_CLASS}: an RFC 9110 `tchar`, what a baggage key or property key is made of. */
export const TCHAR = 1;
/** Bit in {@link BAGGAGE_CLASS}: a W3C Baggage `baggage-octet` (printable ASCII except `"` `,` `;` `\` and space). */
export const BAGGAGE_OCTET = 2;
/** Bit in {@link BAGGAGE_CLASS}: written as is in an encoded key (`encodeURIComponent`'s set without `(` `)`, which are no tchar). */
export const KEY_SAFE = 4;
/** Bit in {@link BAGGAGE_CLASS}: written as is in an encoded value (`encodeURIComponent`'s unreserved set). */
export const VALUE_SAFE = 8;

/**
 * Character classes for W3C Baggage keys, values and properties, indexed by char code below 128;
 * anything at or above 128 belongs to no class.
 * @internal
 */
export const BAGGAGE_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(128);
  const alnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  for (let c = 0; c < 128; c++) {
    if (alnum(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c))) t[c] = t[c]! | TCHAR;
    if (c >= 0x21 && c <= 0x7e && c !== 0x22 && c !== COMMA && c !== 0x3b && c !== 0x5c) t[c] = t[c]! | BAGGAGE_OCTET;
    if (alnum(c) || "-_.!~*'".includes(String.fromCharCode(c))) t[c] = t[c]! | KEY_SAFE | VALUE_SAFE;
  }
  t[0x28] = t[0x28]! | VALUE_SAFE; // (
  t[0x29] = t[0x29]! | VALUE_SAFE; // )
  return t;
})();

/** Two lowercase hex digits of each byte value, so formatting flags never calls `toString(16)`. */
export const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

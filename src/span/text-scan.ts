/**
 * One pass over a string value that tells redaction which of its rules could match at all, so
 * the common value (a route, an id, a sentence) costs a character loop and no pattern scan.
 * @internal
 */

/** 13 or more digits in all: a card number is possible. @internal */
export const HAS_13_DIGITS = 1;
/** An `=` or `:`: a `name=value` pair or a URL is possible. @internal */
export const HAS_SEPARATOR = 2;
/** An `@`: user information in a URL is possible. @internal */
export const HAS_AT = 4;
/** A word starting like an auth scheme (`bearer`, `basic`, `digest`, `negotiate`, `token`). @internal */
export const HAS_SCHEME_WORD = 8;
/** A word starting with `eyJ`: a JSON Web Token is possible. @internal */
export const HAS_JWT = 16;
/** Whitespace (space, tab, line break): the value is free text. @internal */
export const HAS_SPACE = 32;

/** 13 digits with at most single separators between them: what every card layout has. */
const CARD_DIGITS = /\d(?:[ .-]?\d){12}/;
/** The inside of an auth scheme word, in lower or upper case: a cheap case-sensitive pre-test. */
const SCHEME_FRAGMENT = /earer|EARER|asic|ASIC|igest|IGEST|egotiat|EGOTIAT|oken|OKEN/;
/** An auth scheme word at a word start, in any case. */
const SCHEME_WORD = /\b(?:bearer|basic|digest|negotiate|token)/i;
const WHITESPACE = /\s/;

/** Longest string {@link scanText} reads character by character; longer ones use native searches. */
const SHORT_SCAN = 64;

/** What an ASCII character tells the scan: nothing, a digit, `=`/`:`, `@`, whitespace, `e`. */
const OTHER = 0;
const DIGIT = 1;
const SEPARATOR = 2;
const AT = 3;
const SPACE = 4;
const LETTER_E = 5;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) ASCII_CLASS[c] = DIGIT;
ASCII_CLASS[0x3d] = SEPARATOR; // =
ASCII_CLASS[0x3a] = SEPARATOR; // :
ASCII_CLASS[0x40] = AT;
// What `\s` matches below 0x80: tab, line feed, vertical tab, form feed, carriage return, space.
for (let c = 0x09; c <= 0x0d; c++) ASCII_CLASS[c] = SPACE;
ASCII_CLASS[0x20] = SPACE;
ASCII_CLASS[0x65] = LETTER_E;

/**
 * The `HAS_*` flags of `s`. A flag may be set when its rule then finds nothing; it is never
 * missing when the rule would find something.
 *
 * Short ASCII strings (attribute values are mostly addresses, methods, routes, ids) are read in
 * one character loop, which gives exactly the flags of the native searches of
 * {@link scanTextNative} for a fraction of their per-call cost (bench/instructions/run.sh, the
 * http server's `server.address` and `client.address`); the card pattern then runs only when
 * 13 digits are there at all. Anything longer or non-ASCII (Unicode whitespace) takes the native
 * searches.
 * @internal
 */
export function scanText(s: string): number {
  const n = s.length;
  if (n > SHORT_SCAN) return scanTextNative(s);
  let flags = 0;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return scanTextNative(s);
    const kind = ASCII_CLASS[c];
    if (kind === OTHER) continue;
    if (kind === DIGIT) digits++;
    else if (kind === SEPARATOR) flags |= HAS_SEPARATOR;
    else if (kind === AT) flags |= HAS_AT;
    else if (kind === SPACE) flags |= HAS_SPACE;
    else if (s.charCodeAt(i + 1) === 0x79 /* y */ && s.charCodeAt(i + 2) === 0x4a /* J */) flags |= HAS_JWT;
  }
  // `\d` is ASCII digits only: fewer than 13 and the card pattern cannot match.
  if (digits >= 13 && CARD_DIGITS.test(s)) flags |= HAS_13_DIGITS;
  if ((flags & HAS_SPACE) !== 0 && SCHEME_FRAGMENT.test(s) && SCHEME_WORD.test(s)) flags |= HAS_SCHEME_WORD;
  return flags;
}

/**
 * {@link scanText} from native string searches (faster than a JavaScript character loop on long
 * strings), for any string. @internal
 */
export function scanTextNative(s: string): number {
  let flags = 0;
  if (s.length >= 13 && CARD_DIGITS.test(s)) flags |= HAS_13_DIGITS;
  if (s.includes('=') || s.includes(':')) flags |= HAS_SEPARATOR;
  if (s.includes('@')) flags |= HAS_AT;
  if (s.includes('eyJ')) flags |= HAS_JWT;
  if (WHITESPACE.test(s)) {
    flags |= HAS_SPACE;
    if (SCHEME_FRAGMENT.test(s) && SCHEME_WORD.test(s)) flags |= HAS_SCHEME_WORD;
  }
  return flags;
}

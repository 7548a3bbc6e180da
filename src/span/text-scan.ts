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

/**
 * The `HAS_*` flags of `s`, from native string searches (faster than a JavaScript character loop
 * on the short strings attributes usually are). A flag may be set when its rule then finds
 * nothing; it is never missing when the rule would find something.
 * @internal
 */
export function scanText(s: string): number {
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

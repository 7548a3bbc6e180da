/**
 * Payment card numbers where they really appear, without touching identifiers that merely look
 * like them: a random 13-19 digit number passes the Luhn check one time in ten, so Luhn alone
 * would redact one timestamp, snowflake id or order number in ten.
 *
 * The rule, for values under keys that do not name a card:
 * - grouped like a card (4-4-4-4, 4-4-4-4-1..3, 4-6-5, 4-6-4, by spaces, dashes or dots, the same
 *   separator throughout), anywhere in a value;
 * - a bare run of 13-19 digits only inside free text (a value with whitespace), standing alone
 *   as a word (not after `#`, `+`, `=`, `/`, `:`, `-`, `.` or `@`, not part of a decimal);
 * and in both cases only with a card brand's prefix and one of that brand's lengths (IIN ranges
 * of Visa, Mastercard, American Express, Discover, Diners Club, JCB, UnionPay, Maestro, Mir)
 * and a valid Luhn check digit. A value that is only a number, and a URL or path (no
 * whitespace), is never taken for a card: there it is an identifier far more often.
 * @internal
 */

const GROUPED = /(?<![\w.+-])\d{4}(?:([ .-])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|([ .-])\d{6}\2\d{4,5})(?!\w|[.-]\d)/g;
const BARE = /(?<![\w.+/=#@:-])\d{13,19}(?!\w|[.,]\d|[/=@-])/g;

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Whether the number's prefix belongs to a card brand that issues numbers of its length. */
function brandAccepts(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  const from16 = n >= 16 && n <= 19;
  switch (digits.charCodeAt(0) - 48) {
    case 2: // Mastercard 2221-2720 (16), Mir 2200-2204 (16-19)
      return (p4 >= 2221 && p4 <= 2720 && n === 16) || (p4 >= 2200 && p4 <= 2204 && from16);
    case 3: // Amex 34, 37 (15); Diners 300-305, 3095, 36, 38, 39 (14-19); JCB 3528-3589 (16-19)
      if (p2 === 34 || p2 === 37) return n === 15;
      if ((p3 >= 300 && p3 <= 305) || p4 === 3095 || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19;
      return p4 >= 3528 && p4 <= 3589 && from16;
    case 4: // Visa (13, 16, 19)
      return n === 13 || n === 16 || n === 19;
    case 5: // Mastercard 51-55 (16); Maestro 50, 56-58 (13-19)
      if (p2 >= 51 && p2 <= 55) return n === 16;
      return (p2 === 50 || (p2 >= 56 && p2 <= 58)) && n >= 13;
    case 6: // Discover 6011, 644-649, 65, 622126-622925; UnionPay 62; Maestro 6x (13-19)
      if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || p2 === 62 || (p6 >= 622126 && p6 <= 622925)) return from16;
      return n >= 13;
    default:
      return false;
  }
}

/** Whether a digit string (no separators) is a plausible card number. @internal */
export function isCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && brandAccepts(digits) && luhnValid(digits);
}

/**
 * `value` with card numbers replaced by `replacement`, by the rule above; the same string when
 * none is found. `freeText`: the value has whitespace (see `scanText`, which also tells
 * whether the value has the 13 digits a card needs: call this only then).
 * @internal
 */
export function redactCardNumbers(value: string, replacement: string, freeText: boolean): string {
  let out = value;
  GROUPED.lastIndex = 0;
  if (GROUPED.test(out)) {
    GROUPED.lastIndex = 0;
    out = out.replace(GROUPED, (match: string, sep1: string | undefined) => {
      const digits = match.replace(/\D/g, '');
      if (isCardNumber(digits)) return replacement;
      // 4-4-4-4 followed by a short group (a CVV, a count): the first 16 digits alone.
      if (sep1 !== undefined && digits.length > 16 && isCardNumber(digits.slice(0, 16))) return replacement + match.slice(19);
      return match;
    });
  }
  if (freeText) {
    BARE.lastIndex = 0;
    if (BARE.test(out)) {
      BARE.lastIndex = 0;
      out = out.replace(BARE, (match: string) => (isCardNumber(match) ? replacement : match));
    }
  }
  return out;
}

/** 12 or more digits, separated or not: what a value under a card-naming key must not show. */
const CARD_KEY_DIGITS = /\d(?:[ .-]?\d){11}/;

/** Whether a value recorded under a card-naming key holds a card-length digit run. @internal */
export function holdsCardDigits(value: string): boolean {
  return CARD_KEY_DIGITS.test(value);
}

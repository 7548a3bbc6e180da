/**
 * Terminal display width of untrusted text (span names, attribute values, error messages).
 *
 * Span names come from user code and from the network (an incoming request's route, a queue
 * name); a newline, an escape sequence or a right-to-left override in one of them must not be
 * able to break or spoof the console layout. So text is first sanitised, then measured per
 * grapheme: wide East Asian characters and emoji take two columns, combining marks none.
 * Where terminals disagree (emoji sequences joined with ZWJ), the joiner is stripped so each
 * emoji is counted, and shown, on its own: the estimate errs on the wide side, which keeps
 * lines within the width.
 * @internal
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** C0/C1 controls, line/paragraph separators and format characters (bidi overrides, ZWJ, BOM). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const WHITESPACE_CONTROLS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const EMOJI = /\p{Emoji_Presentation}/u;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\uFE00-\uFE0F\u200B]+$/u;

/**
 * Makes text safe to print on one line: line breaks and tabs become one space, other control
 * and format characters (ANSI escapes start with one) are removed, lone surrogates become U+FFFD.
 */
export function sanitizeText(text: string): string {
  return text.replace(WHITESPACE_CONTROLS, ' ').replace(UNSAFE, '').replace(LONE_SURROGATE, '\uFFFD');
}

function isWideCodePoint(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    cp === 0x2329 ||
    cp === 0x232a ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xa960 && cp <= 0xa97f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe10 && cp <= 0xfe19) ||
    (cp >= 0xfe30 && cp <= 0xfe6f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Columns one grapheme takes: 0, 1 or 2. Expects sanitised text. */
export function graphemeWidth(grapheme: string): number {
  if (grapheme.length === 1) {
    const c = grapheme.charCodeAt(0);
    if (c >= 0x20 && c < 0x7f) return 1;
  }
  if (ZERO_WIDTH.test(grapheme)) return 0;
  if (EMOJI.test(grapheme)) return 2;
  for (const ch of grapheme) {
    if (isWideCodePoint(ch.codePointAt(0)!)) return 2;
  }
  return 1;
}

/** Columns `text` takes on a terminal. Expects sanitised text. */
export function displayWidth(text: string): number {
  let width = 0;
  // Fast path: printable ASCII and the waterfall's own drawing characters (tree lines, bars,
  // `…`, `×`, `✗`, `µ`) are one column per character; anything else is measured per grapheme.
  let simple = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || (c >= 0x2500 && c <= 0x259f) || c === 0x2026 || c === 0xd7 || c === 0x2717 || c === 0xb5) continue;
    simple = false;
    break;
  }
  if (simple) return text.length;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidth(segment);
  return width;
}

/**
 * Cuts sanitised `text` to at most `width` columns, ending with `…` when something was cut.
 * Never splits a grapheme (a letter and its accents, a flag, an emoji with its skin tone).
 */
export function truncateToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  const room = width - 1; // the ellipsis takes one column
  let used = 0;
  let out = '';
  for (const { segment } of segmenter.segment(text)) {
    const w = graphemeWidth(segment);
    if (used + w > room) break;
    used += w;
    out += segment;
  }
  return out + '…';
}

/** `text` cut to `width` columns, then padded with spaces on the right to exactly `width`. */
export function fitEnd(text: string, width: number): string {
  const cut = truncateToWidth(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}

/** `text` cut to `width` columns, then padded with spaces on the left to exactly `width`. */
export function fitStart(text: string, width: number): string {
  const cut = truncateToWidth(text, width);
  return ' '.repeat(Math.max(0, width - displayWidth(cut))) + cut;
}

/**
 * Secrets inside free text: `Authorization`-style credentials (`Bearer eyJ…`), JSON Web Tokens,
 * passwords in URLs (`postgres://user:pw@host`), and `name=value` / `name: value` pairs whose
 * name names a secret or a card (`token=…`, `"password": "…"`, `card: 4111…`).
 * @internal
 */
import { isSecretName, namesCard } from '../internal/secret-names.js';
import { holdsCardDigits } from './card-numbers.js';
import { HAS_AT, HAS_JWT, HAS_SCHEME_WORD, HAS_SEPARATOR, HAS_SPACE } from './text-scan.js';

/** An authorization scheme and its credential (8+ characters with a digit or symbol). */
const SCHEME_CREDENTIAL = /\b(bearer|basic|digest|negotiate|token)([ \t]+)([A-Za-z0-9._~+/-]{8,}=*)/gi;
/** A JSON Web Token: three base64url parts, the first a JSON object (`eyJ`). */
const JWT = /\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g;
/** The user information of a URL (`scheme://user:password@`). */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]+)@/gi;
/**
 * `name=value`, `name: value`, with optional quotes around name and value (JSON, logfmt, query
 * strings, SQL, `Authorization: Bearer …` lines). The name starts with a letter; the value stops
 * at whitespace, `&`, `,`, `;` or a quote unless quoted, and may start with an auth scheme.
 */
const PAIR = /(?<![\w.[\]-])(["']?)([A-Za-z_][\w.[\]-]{0,63})\1[ \t]*[=:][ \t]*((?:(?:bearer|basic|digest|negotiate)[ \t]+)?(?:"[^"\n]*"|'[^'\n]*'|[^\s&,;"'<>]+))/gi;
/** The auth scheme at the start of a pair's value, kept in front of the redacted credential. */
const SCHEME_PREFIX = /^(?:bearer|basic|digest|negotiate)[ \t]+/i;
/** Values left alone: SQL placeholders and what redaction already wrote. */
const PLACEHOLDER = /^(?:\?|\$\d+|:\w+|@\w+|%s|REDACTED|\[REDACTED\]|\*+)$/;
/** A credential has more than letters: a digit or a symbol. */
const NOT_A_WORD = /[\d._~+/=-]/;

/** What a pair's name says: nothing, a secret, or a card. */
const PLAIN_NAME = 0;
const SECRET_NAME = 1;
const CARD_NAME = 2;

/** Bounded cache of name decisions: the same few names come back in every message. */
const pairNames = new Map<string, number>();
const PAIR_NAMES_LIMIT = 512;

function nameKind(name: string): number {
  let kind = pairNames.get(name);
  if (kind === undefined) {
    kind = isSecretName(name) ? SECRET_NAME : namesCard(name) ? CARD_NAME : PLAIN_NAME;
    if (pairNames.size >= PAIR_NAMES_LIMIT) pairNames.clear();
    pairNames.set(name, kind);
  }
  return kind;
}

function pairNameIsSensitive(name: string, value: string): boolean {
  const kind = nameKind(name);
  return kind === SECRET_NAME || (kind === CARD_NAME && holdsCardDigits(value));
}

/** A character of a pair's name: letters, digits, `_`, `.`, `-`, brackets. */
function isNameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === 0x2d || c === 0x5b || c === 0x5d
  );
}

/**
 * Whether some `=` or `:` in `text` follows a name that names a secret or a card: the gate of
 * the pair rule, a few map lookups instead of a pattern scan for the common text whose pairs are
 * `page=2` or `https:`. It accepts every name the pattern could redact (and maybe more).
 */
function hasSensitivePair(text: string): boolean {
  let eq = text.indexOf('=');
  let colon = text.indexOf(':');
  while (eq !== -1 || colon !== -1) {
    const sep = eq === -1 ? colon : colon === -1 ? eq : Math.min(eq, colon);
    if (sep === eq) eq = text.indexOf('=', sep + 1);
    else {
      colon = text.indexOf(':', sep + 1);
      // `https://`: a URL scheme, not a pair (its user information has a rule of its own).
      if (text.charCodeAt(sep + 1) === 0x2f && text.charCodeAt(sep + 2) === 0x2f) continue;
    }
    let end = sep;
    while (end > 0 && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x09)) end--;
    if (end > 0 && (text.charCodeAt(end - 1) === 0x22 || text.charCodeAt(end - 1) === 0x27)) end--;
    let start = end;
    while (start > 0 && end - start <= 64 && isNameChar(text.charCodeAt(start - 1))) start--;
    if (start < end && nameKind(text.slice(start, end)) !== PLAIN_NAME) return true;
  }
  return false;
}

/**
 * Replaces the values of sensitive pairs. A pair that is kept is searched again from its value
 * on, so `failed: password=x` finds `password=x` inside the value of `failed`.
 */
function redactPairs(text: string, replacement: string): string {
  let result = '';
  let last = 0;
  PAIR.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PAIR.exec(text)) !== null) {
    const name = m[2]!;
    let value = m[3]!;
    const end = m.index + m[0].length;
    const valueStart = end - value.length;
    const scheme = SCHEME_PREFIX.exec(value);
    if (scheme !== null) value = value.slice(scheme[0].length);
    const q = value.charCodeAt(0) === 34 || value.charCodeAt(0) === 39 ? value[0]! : '';
    const inner = q === '' ? value : value.slice(1, -1);
    if (inner === '' || PLACEHOLDER.test(inner) || !pairNameIsSensitive(name, inner)) {
      PAIR.lastIndex = valueStart;
      continue;
    }
    result += text.slice(last, valueStart) + (scheme === null ? '' : scheme[0]) + q + replacement + q;
    last = end;
  }
  return last === 0 ? text : result + text.slice(last);
}

/**
 * `text` with the secrets above replaced by `replacement`, or `text` itself when it holds none.
 * `flags` (from `scanText`) say which patterns could match; the others do not run, and the pair
 * pattern runs only when the name before some `=` or `:` is sensitive.
 * @internal
 */
export function redactTextSecrets(text: string, replacement: string, flags: number): string {
  let out = text;
  if ((flags & (HAS_AT | HAS_SEPARATOR)) === (HAS_AT | HAS_SEPARATOR) && out.includes('://')) {
    URL_USERINFO.lastIndex = 0;
    out = out.replace(URL_USERINFO, (match: string, scheme: string, userinfo: string) =>
      userinfo === 'REDACTED:REDACTED' || userinfo === replacement ? match : scheme + replacement + '@',
    );
  }
  if ((flags & HAS_JWT) !== 0) {
    JWT.lastIndex = 0;
    out = out.replace(JWT, replacement);
  }
  if ((flags & (HAS_SCHEME_WORD | HAS_SPACE)) === (HAS_SCHEME_WORD | HAS_SPACE)) {
    SCHEME_CREDENTIAL.lastIndex = 0;
    out = out.replace(SCHEME_CREDENTIAL, (match: string, scheme: string, space: string, credential: string) =>
      NOT_A_WORD.test(credential) ? scheme + space + replacement : match,
    );
  }
  return (flags & HAS_SEPARATOR) !== 0 && hasSensitivePair(out) ? redactPairs(out, replacement) : out;
}

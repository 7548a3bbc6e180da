/**
 * Secrets inside free text: `Authorization`-style credentials (`Bearer eyJ…`), JSON Web Tokens,
 * passwords in URLs (`postgres://user:pw@host`), and `name=value` / `name: value` pairs whose
 * name names a secret or a card (`token=…`, `"password": "…"`, `card: 4111…`).
 * @internal
 */
import { isSecretName, namesCard } from '../internal/secret-names.js';
import { holdsCardDigits } from './card-numbers.js';

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

/** Bounded cache of name decisions: the same few names come back in every message. */
const pairNames = new Map<string, boolean>();
const PAIR_NAMES_LIMIT = 512;

function pairNameIsSensitive(name: string, value: string): boolean {
  let secret = pairNames.get(name);
  if (secret === undefined) {
    secret = isSecretName(name);
    if (pairNames.size >= PAIR_NAMES_LIMIT) pairNames.clear();
    pairNames.set(name, secret);
  }
  return secret || (namesCard(name) && holdsCardDigits(value));
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
 * Words any rule below needs somewhere in the text (a secret or card name, an auth scheme): one
 * quick test spares the pattern scans for most values (URLs, SQL, messages without credentials).
 * Loose on purpose (`pan` also finds `company`): it only decides whether to look closer.
 */
const SECRETISH = /pass|pwd|secret|token|auth|cookie|cred|jwt|bearer|basic|digest|negotiate|key|sess|card|pan|cc/i;

/**
 * `text` with the secrets above replaced by `replacement`, or `text` itself when it holds none.
 * Cheap checks decide which patterns run at all.
 * @internal
 */
export function redactTextSecrets(text: string, replacement: string): string {
  let out = text;
  const hasPair = out.includes('=') || out.includes(':');
  if (hasPair && out.includes('@') && out.includes('://')) {
    URL_USERINFO.lastIndex = 0;
    out = out.replace(URL_USERINFO, (match: string, scheme: string, userinfo: string) =>
      userinfo === 'REDACTED:REDACTED' || userinfo === replacement ? match : scheme + replacement + '@',
    );
  }
  if (out.includes('eyJ')) {
    JWT.lastIndex = 0;
    out = out.replace(JWT, replacement);
  }
  const hasSpace = out.includes(' ') || out.includes('\t');
  if ((!hasPair && !hasSpace) || !SECRETISH.test(out)) return out;
  if (hasSpace) {
    SCHEME_CREDENTIAL.lastIndex = 0;
    out = out.replace(SCHEME_CREDENTIAL, (match: string, scheme: string, space: string, credential: string) =>
      NOT_A_WORD.test(credential) ? scheme + space + replacement : match,
    );
  }
  return hasPair ? redactPairs(out, replacement) : out;
}

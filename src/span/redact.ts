import type { AttributeValue } from '@opentelemetry/api';

/**
 * Options for attribute redaction. Redaction is on by default because request headers, cookies
 * and credentials end up in span attributes by accident far more often than on purpose, and an
 * exported span cannot be taken back.
 */
export interface RedactOptions {
  /**
   * Extra attribute keys to redact, added to the defaults. A string matches, case-insensitively,
   * the whole key or its last dot-separated segment (`'x-internal'` matches
   * `http.request.header.x-internal`); a RegExp is tested against the whole key.
   */
  keys?: (string | RegExp)[];
  /**
   * Extra value patterns, added to the default credit-card pattern. Every match inside a string
   * value (or string array element) is replaced; the rest of the value is kept.
   */
  patterns?: RegExp[];
  /** What a redacted value becomes. Default `[REDACTED]`. */
  replacement?: string;
}

/**
 * Decides what a span records for one attribute. Built once by {@link createRedactor} and shared
 * by every span of a provider.
 */
export interface Redactor {
  /** False for the redactor built from `redact: false`; spans then skip redaction entirely. */
  readonly enabled: boolean;
  /** Returns `value` unchanged, or the redacted form to record under `key`. */
  redact(key: string, value: AttributeValue): AttributeValue;
}

/** What a redacted value becomes unless configured otherwise. */
export const DEFAULT_REDACTION = '[REDACTED]';

/**
 * Keys that name secrets: authorization, cookie / set-cookie, password / passwd, secret, token,
 * api-key / apikey / api_key, private key, session. Matched anywhere in the key, so
 * `http.request.header.authorization` and `db.password` match.
 */
const DEFAULT_SECRET_KEY = /authorization|cookie|passw(?:or)?d|secret|token|api[-_.]?key|private[-_. ]?key|session/i;

/** 13 to 19 digits, optionally separated by single spaces or dashes; confirmed with Luhn below. */
const CARD_NUMBER = /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g;

/** Cap on cached per-key decisions; attribute keys are few, but a program may build them dynamically. */
const KEY_CACHE_LIMIT = 1024;

const DISABLED: Redactor = {
  enabled: false,
  redact: (_key, value) => value,
};

function luhnValid(candidate: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = candidate.length - 1; i >= 0; i--) {
    const c = candidate.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    let d = c;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function toGlobal(re: RegExp): RegExp {
  return re.global ? re : new RegExp(re.source, re.flags + 'g');
}

function compileKeyMatcher(keys: (string | RegExp)[]): (key: string) => boolean {
  const exact = new Set<string>();
  const regexps: RegExp[] = [DEFAULT_SECRET_KEY];
  for (const k of keys) {
    if (typeof k === 'string') exact.add(k.toLowerCase());
    else if (k instanceof RegExp) regexps.push(k.global || k.sticky ? new RegExp(k.source, k.flags.replace(/[gy]/g, '')) : k);
  }
  return function isSecretKey(key: string): boolean {
    if (exact.size > 0) {
      const lower = key.toLowerCase();
      if (exact.has(lower)) return true;
      const dot = lower.lastIndexOf('.');
      if (dot >= 0 && exact.has(lower.slice(dot + 1))) return true;
    }
    for (const re of regexps) if (re.test(key)) return true;
    return false;
  };
}

/**
 * Builds the redactor spans use. With no options you get the defaults (secret-naming keys and
 * credit-card numbers, replaced by `[REDACTED]`); `false` gives a disabled redactor.
 *
 * A key that names a secret has its string and string-array values replaced whole. Number and
 * boolean values are kept: they cannot carry a credential in practice, and keys such as
 * `gen_ai.usage.input_tokens` would otherwise lose their counts. Decisions per key are cached in
 * a bounded map, so the steady-state cost is one map lookup per attribute plus the value patterns
 * on strings of 13 characters or more.
 */
export function createRedactor(options?: RedactOptions | false): Redactor {
  if (options === false) return DISABLED;
  const replacement = options?.replacement ?? DEFAULT_REDACTION;
  const isSecretKey = compileKeyMatcher(options?.keys ?? []);
  const userPatterns = (options?.patterns ?? []).filter((p) => p instanceof RegExp).map(toGlobal);
  const keyDecisions = new Map<string, boolean>();
  let shortest = 13;
  if (userPatterns.length > 0) shortest = 1;

  const replaceCard = (match: string): string => (luhnValid(match) ? replacement : match);

  function redactString(value: string): string {
    if (value.length < shortest) return value;
    let out = value;
    if (out.length >= 13) {
      CARD_NUMBER.lastIndex = 0;
      if (CARD_NUMBER.test(out)) {
        CARD_NUMBER.lastIndex = 0;
        out = out.replace(CARD_NUMBER, replaceCard);
      }
    }
    for (const re of userPatterns) {
      re.lastIndex = 0;
      if (re.test(out)) {
        re.lastIndex = 0;
        out = out.replace(re, replacement);
      }
    }
    return out;
  }

  function keyIsSecret(key: string): boolean {
    let secret = keyDecisions.get(key);
    if (secret === undefined) {
      secret = isSecretKey(key);
      if (keyDecisions.size >= KEY_CACHE_LIMIT) keyDecisions.clear();
      keyDecisions.set(key, secret);
    }
    return secret;
  }

  return {
    enabled: true,
    redact(key: string, value: AttributeValue): AttributeValue {
      if (typeof value === 'string') return keyIsSecret(key) ? replacement : redactString(value);
      if (Array.isArray(value)) {
        if (value.length === 0) return value;
        let hasString = false;
        for (const v of value) if (typeof v === 'string') hasString = true;
        if (!hasString) return value;
        if (keyIsSecret(key)) return replacement;
        let changed: (string | number | boolean | null | undefined)[] | undefined;
        for (let i = 0; i < value.length; i++) {
          const v = value[i];
          if (typeof v !== 'string') continue;
          const r = redactString(v);
          if (r !== v) {
            changed ??= value.slice() as (string | null | undefined)[];
            changed[i] = r;
          }
        }
        return (changed ?? value) as AttributeValue;
      }
      return value;
    },
  };
}

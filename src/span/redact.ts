import type { AttributeValue } from '@opentelemetry/api';
import { isSecretName, namesCard } from '../internal/secret-names.js';
import { holdsCardDigits, redactCardNumbers } from './card-numbers.js';
import { HAS_13_DIGITS, HAS_SPACE, scanText } from './text-scan.js';
import { redactTextSecrets } from './text-secrets.js';

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
   * Extra value patterns, added to the default value rules (card numbers, credentials in text).
   * Every match inside a string value (or string array element), span name or status message
   * is replaced; the rest of the text is kept.
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
  /**
   * Returns `text` with the value rules applied (card numbers, credentials, `token=…` pairs,
   * user patterns), for text recorded without a key: span names and status messages.
   */
  redactText(text: string): string;
}

/** What a redacted value becomes unless configured otherwise. */
export const DEFAULT_REDACTION = '[REDACTED]';

/**
 * Semantic-convention keys whose words look secret but which hold identifiers: `session.id` is
 * the id of a user session in the session conventions, not its credential (the same words in a
 * query parameter or header, `session_id=`, are treated as a credential).
 */
const SEMCONV_IDENTIFIERS: ReadonlySet<string> = new Set(['session.id', 'session.previous_id', 'mcp.session.id']);

/** Cap on cached per-key decisions; attribute keys are few, but a program may build them dynamically. */
const KEY_CACHE_LIMIT = 1024;
/** Cap on cached span names: names are low-cardinality by convention, but not by force. */
const NAME_CACHE_LIMIT = 256;

/** How a key's values are treated. */
const PLAIN = 0;
const SECRET = 1;
const CARD = 2;
type KeyKind = typeof PLAIN | typeof SECRET | typeof CARD;

/** What is known about one attribute key: its kind, and the last string value redacted under it. */
interface KeyDecision {
  readonly kind: KeyKind;
  /** Undefined until a value is remembered (never when user patterns are configured). */
  lastValue: string | undefined;
  /** What `lastValue` became. */
  lastResult: string;
}

/** The shortest text a value rule can match (`pwd=x`). */
const SHORTEST_SECRET = 5;
/** A number under a card key with this many digits or more is taken for a card number. */
const CARD_NUMBER_MIN = 1e11;

const DISABLED: Redactor = {
  enabled: false,
  redact: (_key, value) => value,
  redactText: (text) => text,
};

function toGlobal(re: RegExp): RegExp {
  return re.global ? re : new RegExp(re.source, re.flags + 'g');
}

function compileKeyMatcher(keys: (string | RegExp)[]): (key: string) => KeyKind {
  const exact = new Set<string>();
  const regexps: RegExp[] = [];
  for (const k of keys) {
    if (typeof k === 'string') exact.add(k.toLowerCase());
    else if (k instanceof RegExp) regexps.push(k.global || k.sticky ? new RegExp(k.source, k.flags.replace(/[gy]/g, '')) : k);
  }
  return function keyKind(key: string): KeyKind {
    if (exact.size > 0) {
      const lower = key.toLowerCase();
      if (exact.has(lower)) return SECRET;
      const dot = lower.lastIndexOf('.');
      if (dot >= 0 && exact.has(lower.slice(dot + 1))) return SECRET;
    }
    for (const re of regexps) if (re.test(key)) return SECRET;
    if (SEMCONV_IDENTIFIERS.has(key)) return PLAIN;
    if (isSecretName(key)) return SECRET;
    return namesCard(key) ? CARD : PLAIN;
  };
}

/**
 * Builds the redactor spans use. With no options you get the defaults, replaced by
 * `[REDACTED]`; `false` gives a disabled redactor.
 *
 * Keys: a key whose words name a secret (see the README: `password`, `pwd`, `token`, `auth`,
 * `jwt`, `credentials`, `bearer`, `passphrase`, `cookie`, `secret`, `api key`, `private key`,
 * `session id`, in any case and with any separators or camelCase) has its string and
 * string-array values replaced whole; `session.id` and `session.previous_id` (identifiers in the
 * semantic conventions) are kept. Number and boolean values are kept under secret keys: they
 * cannot carry a credential in practice, and `gen_ai.usage.input_tokens` would lose its count.
 * A key naming a card (`card`, `pan`, `cc_number`, `card_number`, `credit_card`) has any value
 * showing 12 or more digits replaced, numbers included.
 *
 * Values, under any key, and span names and status messages: card numbers where they really
 * appear (see `card-numbers.ts`: grouped anywhere, bare only in free text, with a brand prefix,
 * length and Luhn check; never a bare number or a URL path), credentials in text (`Bearer …`,
 * JWTs, `user:password@` in URLs, `token=…`/`"password": "…"` pairs), then user patterns.
 *
 * Decisions per key are cached in a bounded map, so the steady-state cost is one map lookup per
 * attribute plus the value rules, which only run their patterns when a cheap character check
 * says one could match.
 */
export function createRedactor(options?: RedactOptions | false): Redactor {
  if (options === false) return DISABLED;
  const replacement = options?.replacement ?? DEFAULT_REDACTION;
  const keyKindOf = compileKeyMatcher(options?.keys ?? []);
  const userPatterns = (options?.patterns ?? []).filter((p) => p instanceof RegExp).map(toGlobal);
  const keyDecisions = new Map<string, KeyDecision>();
  const names = new Map<string, string>();
  const shortest = userPatterns.length > 0 ? 1 : SHORTEST_SECRET;

  function redactString(value: string): string {
    if (value.length < shortest) return value;
    let out = value;
    if (value.length >= SHORTEST_SECRET) {
      const flags = scanText(value);
      if ((flags & HAS_13_DIGITS) !== 0) out = redactCardNumbers(out, replacement, (flags & HAS_SPACE) !== 0);
      if ((flags & ~(HAS_13_DIGITS | HAS_SPACE)) !== 0) out = redactTextSecrets(out, replacement, flags);
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

  // The value rules are a pure function of the value when no user pattern is configured (a user
  // RegExp is an object that can change), so the last value seen under each key and its result
  // can be reused: the http instrumentation records the same method, addresses and user agent
  // on every request (bench/instructions/run.sh).
  const remember = userPatterns.length === 0;

  function keyDecision(key: string): KeyDecision {
    let decision = keyDecisions.get(key);
    if (decision === undefined) {
      decision = { kind: keyKindOf(key), lastValue: undefined, lastResult: '' };
      if (keyDecisions.size >= KEY_CACHE_LIMIT) keyDecisions.clear();
      keyDecisions.set(key, decision);
    }
    return decision;
  }

  function keyKind(key: string): KeyKind {
    return keyDecision(key).kind;
  }

  /** {@link redactUnder} for a string recorded under `key`, reusing the result for the key's last value. */
  function redactStringUnder(key: string, value: string): string {
    const decision = keyDecision(key);
    if (value === decision.lastValue) return decision.lastResult;
    const result = redactUnder(decision.kind, value);
    if (remember) {
      decision.lastValue = value;
      decision.lastResult = result;
    }
    return result;
  }

  function redactUnder(kind: KeyKind, value: string): string {
    if (kind === SECRET) return replacement;
    if (kind === CARD && holdsCardDigits(value)) return replacement;
    return redactString(value);
  }

  return {
    enabled: true,
    redact(key: string, value: AttributeValue): AttributeValue {
      if (typeof value === 'string') return redactStringUnder(key, value);
      if (typeof value === 'number') {
        return Math.abs(value) >= CARD_NUMBER_MIN && Number.isInteger(value) && keyKind(key) === CARD ? replacement : value;
      }
      if (Array.isArray(value)) {
        if (value.length === 0) return value;
        const kind = keyKind(key);
        let hasString = false;
        let cardNumber = false;
        for (const v of value) {
          if (typeof v === 'string') hasString = true;
          else if (kind === CARD && typeof v === 'number' && Math.abs(v) >= CARD_NUMBER_MIN) cardNumber = true;
        }
        if (cardNumber) return replacement;
        if (!hasString) return value;
        if (kind === SECRET) return replacement;
        let changed: (string | number | boolean | null | undefined)[] | undefined;
        for (let i = 0; i < value.length; i++) {
          const v = value[i];
          if (typeof v !== 'string') continue;
          const r = redactUnder(kind, v);
          if (r !== v) {
            changed ??= value.slice() as (string | null | undefined)[];
            changed[i] = r;
          }
        }
        return (changed ?? value) as AttributeValue;
      }
      return value;
    },
    redactText(text: string): string {
      if (typeof text !== 'string' || text.length < shortest) return text;
      // Span names repeat: remember the last few hundred short ones.
      if (text.length > 256) return redactString(text);
      let out = names.get(text);
      if (out === undefined) {
        out = redactString(text);
        if (names.size >= NAME_CACHE_LIMIT) names.clear();
        names.set(text, out);
      }
      return out;
    },
  };
}

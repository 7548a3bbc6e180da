/**
 * Which names (attribute keys, query parameters, `key=value` pairs in text) name a secret or a
 * payment card, by their words: `accessToken`, `auth_token`, `X-Api-Key`, `user[password]` and
 * `private token` all split into words, and the words decide. Shared by span redaction and the
 * http instrumentation so that both agree.
 * @internal
 */

/** Words that name a secret on their own (`pwd`, `x-auth`, `jwt`, `session_token`). */
const SECRET_WORDS: ReadonlySet<string> = new Set([
  'auth',
  'authorization',
  'bearer',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'creds',
  'jwt',
  'pass',
  'passcode',
  'passphrase',
  'passwd',
  'password',
  'pwd',
  'secret',
  'secrets',
  'token',
]);

/**
 * Secret words also found inside a longer word written without separators (`apikey`,
 * `dbpassword`, `accesstoken`, `phpsessid`, `setcookie`).
 */
const SECRET_PARTS: readonly string[] = [
  'apikey',
  'authorization',
  'bearer',
  'cookie',
  'credential',
  'passphrase',
  'passwd',
  'password',
  'privatekey',
  'secret',
  'sessid',
  'sessionid',
  'token',
];

/** Two words that name a secret together (`api key`, `private_key`, `session-id`). */
const SECRET_PAIRS: ReadonlySet<string> = new Set(['api key', 'private key', 'secret key', 'session id', 'session key', 'signing key', 'encryption key']);

/**
 * A last word that makes the name describe a secret instead of holding one: `token_type`
 * (`Bearer`), `auth.method`, `password_length`, `gen_ai.token.type`, `token.expires`, and the
 * semantic conventions' `aspnetcore.authorization.policy`, `…password_check_result`,
 * `…token_purpose`, `…token_verified`, `aws.secretsmanager.secret.arn`.
 */
const DESCRIPTORS: ReadonlySet<string> = new Set([
  'arn',
  'count',
  'enabled',
  'expiration',
  'expires',
  'expiry',
  'kind',
  'length',
  'method',
  'policy',
  'purpose',
  'required',
  'result',
  'scheme',
  'size',
  'ttl',
  'type',
  'verified',
]);

/** Words that name a card number (`card`, `pan`, `cc_number`, `cardNumber`, `credit-card`). */
const CARD_WORDS: ReadonlySet<string> = new Set(['card', 'cards', 'cardno', 'cardnum', 'cardnumber', 'ccn', 'ccnum', 'ccnumber', 'creditcard', 'pan']);
const CARD_PAIRS: ReadonlySet<string> = new Set(['cc no', 'cc num', 'cc number']);

/**
 * The lower-case words of a name: split at anything but letters and digits, and at camelCase
 * boundaries (`accessToken` → access, token; `APIKey` → api, key; `user[password]` → user,
 * password).
 * @internal
 */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/**
 * Whether a name names a secret: one of its words is a secret word (`token`, `pwd`, `auth`,
 * `jwt`, `credentials`, `bearer`, `passphrase`, ...), contains one written without separators
 * (`apikey`, `accesstoken`), or two adjacent words name one (`api key`, `private key`,
 * `session id`), or it ends with `session` (`x-session`). Counts are not secrets: `tokens` (as in `gen_ai.usage.input_tokens`) is not
 * `token`, and a name ending in a descriptor word (`token_type`, `password_length`) is kept.
 * @internal
 */
export function isSecretName(name: string): boolean {
  return secretWords(nameWords(name));
}

/** {@link isSecretName} on words already split. */
function secretWords(words: readonly string[]): boolean {
  const n = words.length;
  if (n === 0 || (n > 1 && DESCRIPTORS.has(words[n - 1]!))) return false;
  // `x-session`, `user.session`: the session itself, usually its token (`session.start` is not).
  if (words[n - 1] === 'session') return true;
  for (let i = 0; i < n; i++) {
    const w = words[i]!;
    if (SECRET_WORDS.has(w)) return true;
    if (i > 0 && SECRET_PAIRS.has(words[i - 1] + ' ' + w)) return true;
    if (w.length < 6 || w.endsWith('tokens') || w.includes('tokeniz')) continue;
    for (const part of SECRET_PARTS) if (w.includes(part)) return true;
  }
  return false;
}

/**
 * Whether a name names a payment card: a word `card`, `pan`, `ccn`, `cardnumber`,
 * `creditcard`, ... or `cc` followed by `number`/`num`/`no` (`cc_number`).
 * @internal
 */
export function namesCard(name: string): boolean {
  const words = nameWords(name);
  for (let i = 0; i < words.length; i++) {
    if (CARD_WORDS.has(words[i]!)) return true;
    if (i > 0 && CARD_PAIRS.has(words[i - 1] + ' ' + words[i])) return true;
  }
  return false;
}

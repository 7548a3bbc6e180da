/**
 * Whether a query parameter name is sensitive, by normalised name and by word parts: case,
 * separators (`-` `_` `.`), brackets (`user[password]`, `token[]`), percent-encoding and `+`
 * (`%74oken`, `+token`, `token%20`) do not hide a secret.
 * @internal
 */
import { percentDecode } from '../../internal/percent-decode.js';
import { isSecretName } from '../../internal/secret-names.js';

/** What a raw name comes to, computed once per distinct name. */
interface NameInfo {
  /** Normalised forms to look up in a list: the whole name and each bracketed part. */
  readonly forms: readonly string[];
  /** Its words name a secret (the rule attribute keys follow). */
  readonly secret: boolean;
}

/** Parameter names repeat across requests: remember a bounded number of them. */
const cache = new Map<string, NameInfo>();
const CACHE_LIMIT = 1024;

/**
 * A name as list entries are compared: lower case, letters and digits only
 * (`X-Amz-Signature` → `xamzsignature`, `access_token` → `accesstoken`).
 * @internal
 */
export function normalizeQueryName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function infoOf(raw: string): NameInfo {
  let name = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  // A malformed escape leaves the name as it came: its words still count.
  if (name.includes('%')) name = percentDecode(name) ?? name;
  const forms = new Set<string>([normalizeQueryName(name)]);
  if (name.includes('[')) for (const part of name.split(/[[\]]/)) if (part !== '') forms.add(normalizeQueryName(part));
  forms.delete('');
  return { forms: [...forms], secret: isSecretName(name) };
}

/**
 * Whether the parameter `rawName` (as it appears in the query) must have its value redacted:
 * its words name a secret, or its normalised name (or a bracketed part) is in `list`, a set of
 * names normalised by {@link normalizeQueryName}.
 * @internal
 */
export function isSensitiveQueryName(rawName: string, list: ReadonlySet<string>): boolean {
  let info = cache.get(rawName);
  if (info === undefined) {
    info = infoOf(rawName);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(rawName, info);
  }
  if (info.secret) return true;
  for (const form of info.forms) if (list.has(form)) return true;
  return false;
}

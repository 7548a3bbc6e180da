import type { Attributes } from '@opentelemetry/api';
import { URL_VALUED_HEADERS } from './constants.js';
import { redactUrl } from './url.js';

type HeaderValue = string | string[] | number | undefined;

function toStrings(value: HeaderValue): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

/**
 * Records the allow-listed headers found by `get` as `<prefix><name>` string-array attributes
 * (the conventions' shape). `list` holds `[lower-case name, attribute key]` pairs. Headers whose
 * value is a URL (`referer`, `location`, ...) get the URL rules: no fragment, no credentials,
 * sensitive query values (`sensitive`, normalised names) replaced.
 * @internal
 */
export function captureHeaders(
  attributes: Attributes,
  list: ReadonlyArray<readonly [string, string]>,
  get: (name: string) => HeaderValue,
  sensitive: ReadonlySet<string>,
): void {
  for (const [name, key] of list) {
    const values = toStrings(get(name));
    if (values === undefined) continue;
    if (URL_VALUED_HEADERS.has(name)) for (let i = 0; i < values.length; i++) values[i] = redactUrl(values[i]!, sensitive);
    attributes[key] = values;
  }
}

/**
 * Looks a header up in the raw flat `[name, value, name, value, ...]` form (Buffers or strings)
 * that undici reports; case-insensitive; repeated headers give several values.
 * @internal
 */
export function rawHeaderValues(raw: ReadonlyArray<unknown>, name: string): string[] | undefined {
  let out: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (String(raw[i]).toLowerCase() === name) (out ??= []).push(String(raw[i + 1]));
  }
  return out;
}

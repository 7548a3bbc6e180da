import type { Attributes } from '@opentelemetry/api';

type HeaderValue = string | string[] | number | undefined;

function toStrings(value: HeaderValue): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

/**
 * Records the allow-listed headers found by `get` as `<prefix><name>` string-array attributes
 * (the conventions' shape). `list` holds `[lower-case name, attribute key]` pairs.
 * @internal
 */
export function captureHeaders(
  attributes: Attributes,
  list: ReadonlyArray<readonly [string, string]>,
  get: (name: string) => HeaderValue,
): void {
  for (const [name, key] of list) {
    const values = toStrings(get(name));
    if (values !== undefined) attributes[key] = values;
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

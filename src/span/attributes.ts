import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { isAttributeValue } from '../internal/sdk-core.js';
import { warnOnce } from '../internal/diag.js';

/** `Object.prototype.hasOwnProperty`, to call on user objects that may shadow it. @internal */
export const hasOwn = Object.prototype.hasOwnProperty;

/** Reports an invalid attribute once per process; the SDK logs on every call. @internal */
export function warnInvalidAttribute(key: unknown): void {
  warnOnce(
    'span.invalid-attribute',
    `dropped an invalid span attribute (key ${JSON.stringify(String(key))}); attribute values must be a string, number, boolean or a homogeneous array of them.`,
  );
}

/** True when `key`/`value` may be recorded: a non-empty string key and a valid, non-null value. @internal */
export function isRecordable(key: unknown, value: unknown): value is AttributeValue {
  if (typeof key !== 'string' || key.length === 0 || !isAttributeValue(value)) {
    warnInvalidAttribute(key);
    return false;
  }
  return true;
}

/**
 * Like `sanitizeAttributes` in `@opentelemetry/core`: a fresh object with the valid own entries
 * (arrays copied), invalid ones dropped. Warnings are reported once, not per call.
 * @internal
 */
export function sanitizeAttributes(attributes: unknown): Attributes {
  if (typeof attributes !== 'object' || attributes === null) return {};
  // Usually every entry is valid: one `Object.assign` copy and a check per entry beats storing key
  // by key into a growing object. (Not a spread: V8 gives the clone its source's map, and adding
  // a key to the span's attributes later then migrates objects between maps on every request.)
  const copy: Record<string, unknown> = Object.assign({}, attributes as Record<string, unknown>);
  for (const key in copy) {
    if (!hasOwn.call(copy, key)) continue;
    const value = copy[key];
    if (key === '' || !isAttributeValue(value)) return sanitizeSlowly(attributes as Record<string, unknown>);
    if (Array.isArray(value)) copy[key] = value.slice();
  }
  return copy as Attributes;
}

/** {@link sanitizeAttributes} key by key, dropping (and reporting) invalid entries. */
function sanitizeSlowly(src: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const key in src) {
    if (!hasOwn.call(src, key)) continue;
    const value = src[key];
    if (key === '' || !isAttributeValue(value)) {
      warnInvalidAttribute(key);
      continue;
    }
    out[key] = Array.isArray(value) ? value.slice() : (value as AttributeValue | undefined);
  }
  return out;
}

/**
 * Applies the attribute value length limit as the official span does: strings are cut to `limit`
 * characters, string elements of arrays likewise (arrays are always copied), other values are
 * kept. A limit of 0 or less means "no limit" (the SDK warns and keeps the value).
 * @internal
 */
export function truncateValue(value: AttributeValue, limit: number): AttributeValue {
  if (limit <= 0) {
    warnOnce('span.bad-length-limit', `attributeValueLengthLimit must be positive, got ${limit}; values are not truncated.`);
    return value;
  }
  if (typeof value === 'string') return value.length <= limit ? value : value.substring(0, limit);
  if (Array.isArray(value)) {
    return value.map((v) => (typeof v === 'string' && v.length > limit ? v.substring(0, limit) : v)) as AttributeValue;
  }
  return value;
}

/**
 * Span attributes as the store keeps them: one flat array `[key, value, key, value, ...]` where
 * a string, boolean or double is the value itself and other values keep their OTLP/JSON object.
 * Two objects fewer per attribute than `KeyValue[]`, which is most of a span's heap.
 */
import type { AnyValue, KeyValue } from './otlp-model.js';

/** Packed attributes; see the module comment. */
export type PackedAttributes = unknown[];

const NO_ATTRIBUTES: PackedAttributes = [];

/** Packs OTLP/JSON attributes. */
export function packAttributes(list: KeyValue[]): PackedAttributes {
  if (list.length === 0) return NO_ATTRIBUTES;
  const out: unknown[] = new Array(list.length * 2);
  for (let i = 0; i < list.length; i++) {
    const kv = list[i]!;
    const v = kv.value;
    out[i * 2] = kv.key;
    out[i * 2 + 1] = 'stringValue' in v ? v.stringValue : 'boolValue' in v ? v.boolValue : 'doubleValue' in v ? v.doubleValue : v;
  }
  return out;
}

/** The OTLP/JSON value of one packed value. */
export function unpackValue(v: unknown): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return { doubleValue: v };
  return v as AnyValue;
}

/** Unpacks to OTLP/JSON attributes. */
export function unpackAttributes(packed: PackedAttributes): KeyValue[] {
  const out: KeyValue[] = [];
  for (let i = 0; i < packed.length; i += 2) out.push({ key: packed[i] as string, value: unpackValue(packed[i + 1]) });
  return out;
}

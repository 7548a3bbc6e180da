/**
 * One trace in the compact form the page reads (`GET /api/trace?id=`): every name, key and value
 * once in a string table, spans as arrays of numbers and indices, times in milliseconds from the
 * trace's start. A 10,000-span trace is a fraction of its OTLP/JSON size and parses quickly.
 * Attribute values are text; `GET /v1/traces?traceId=` stays the faithful OTLP/JSON export.
 */
import type { KeyValue, Resource, Scope } from './otlp-model.js';
import type { StoredSpan } from './store.js';
import { valueText } from './store.js';
import { unpackValue } from './packed-attributes.js';

/**
 * A span as an array: spanId, parentSpanId, name (string index), kind, start and end (ms from
 * the trace's `startMs`, to the microsecond), status code, status message (string index),
 * resource index, scope index, attributes as string indices [key, value, ...], events
 * (OTLP/JSON, or 0), links (OTLP/JSON, or 0).
 */
export type CompactSpan = [string, string, number, number, number, number, number, number, number, number, number[], unknown, unknown];

/** The page's form of one trace. */
export interface CompactTrace {
  traceId: string;
  startMs: number;
  strings: string[];
  /** Each resource's attributes as string indices [key, value, ...]. */
  resources: number[][];
  scopes: Array<{ name: string; version: string }>;
  spans: CompactSpan[];
}

/** The compact form of these spans of one trace. */
export function compactTrace(traceId: string, spans: Iterable<StoredSpan>): CompactTrace {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const str = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const flat = (list: KeyValue[]): number[] => {
    const out: number[] = [];
    for (const kv of list) out.push(str(kv.key), str(valueText(kv.value)));
    return out;
  };
  const packed = (p: unknown[]): number[] => {
    const out: number[] = [];
    for (let i = 0; i < p.length; i += 2) out.push(str(p[i] as string), str(valueText(unpackValue(p[i + 1]))));
    return out;
  };
  const all = [...spans];
  let startMs = Infinity;
  for (const s of all) if (s.startMs < startMs) startMs = s.startMs;
  if (all.length === 0) startMs = 0;
  const rel = (ms: number): number => Math.round((ms - startMs) * 1000) / 1000;
  const resources = new Map<Resource, number>();
  const scopes = new Map<Scope, number>();
  const out: CompactSpan[] = [];
  for (const s of all) {
    let r = resources.get(s.resource);
    if (r === undefined) resources.set(s.resource, (r = resources.size));
    let sc = scopes.get(s.scope);
    if (sc === undefined) scopes.set(s.scope, (sc = scopes.size));
    const p = s.span;
    out.push([p.spanId, p.parentSpanId, str(p.name), p.kind, rel(s.startMs), rel(s.endMs), p.status.code, str(p.status.message), r, sc, packed(s.attributes), p.events.length > 0 ? p.events : 0, p.links.length > 0 ? p.links : 0]);
  }
  return {
    traceId,
    startMs,
    strings,
    resources: [...resources.keys()].map((res) => flat(res.attributes)),
    scopes: [...scopes.keys()].map((sc) => ({ name: sc.name, version: sc.version })),
    spans: out,
  };
}

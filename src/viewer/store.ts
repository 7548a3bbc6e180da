/**
 * The viewer's traces, in memory, bounded by an estimate of their size in bytes: when a new span
 * would pass the bound, the oldest traces (first seen first) go, and are counted. Spans that
 * arrive late join the trace already held; a span sent twice replaces the first copy.
 */
import type { AnyValue, KeyValue, Resource, Scope, Span, TracesRequest } from './otlp-model.js';
import { packAttributes, unpackAttributes, unpackValue } from './packed-attributes.js';
import type { PackedAttributes } from './packed-attributes.js';

/** One span with what it came with. */
export interface StoredSpan {
  /** The span; its `attributes` are empty, they are in {@link StoredSpan.attributes}. */
  span: Span;
  attributes: PackedAttributes;
  resource: Resource;
  scope: Scope;
  /** Start and end in milliseconds since the epoch (floating point). */
  startMs: number;
  endMs: number;
  service: string;
  bytes: number;
}

/** What the trace list shows of one trace. */
export interface TraceSummary {
  traceId: string;
  rootName: string;
  rootService: string;
  services: string[];
  startMs: number;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  /** The viewer run that received it (1 without `--db`). */
  run: number;
}

/** One held trace. */
interface Trace {
  id: string;
  spans: Map<string, StoredSpan>;
  bytes: number;
  /** Grows with every span added: what was derived from an earlier version is stale. */
  version: number;
  run: number;
  services: Set<string>;
  errorCount: number;
  startMs: number;
  endMs: number;
}

/** A search over traces; every field given must match. */
export interface TraceFilter {
  /** A service name (exact) one of the trace's spans has. */
  service?: string;
  /** Part of a span name (case-insensitive). */
  name?: string;
  minMs?: number;
  maxMs?: number;
  /** `error`: traces with an error span; `ok`: traces without. */
  status?: 'error' | 'ok';
  /** `key=value` or `key` alone: a span (or its resource) has that attribute (value as text). */
  attr?: string;
  run?: number;
}

/** Counts for the banner and `/api/stats`. */
export interface StoreStats {
  traces: number;
  spans: number;
  bytes: number;
  maxBytes: number;
  evictedTraces: number;
  evictedSpans: number;
}

const MAX_SUGGESTED_KEYS = 2000;
const MAX_SUGGESTED_VALUES = 100;
const MAX_INTERNED = 1000;

/** The value of an attribute as text, for search and suggestions. */
export function valueText(v: AnyValue): string {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return v.intValue;
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('bytesValue' in v) return v.bytesValue;
  return JSON.stringify(v);
}

function valueBytes(v: AnyValue): number {
  if ('stringValue' in v) return 48 + v.stringValue.length * 2;
  if ('arrayValue' in v) return 64 + v.arrayValue.values.reduce((n, x) => n + valueBytes(x), 0);
  if ('kvlistValue' in v) return 64 + attributesBytes(v.kvlistValue.values);
  if ('bytesValue' in v) return 48 + v.bytesValue.length * 2;
  return 48;
}

function attributesBytes(list: KeyValue[]): number {
  let n = 32;
  for (const kv of list) n += 56 + kv.key.length * 2 + valueBytes(kv.value);
  return n;
}

/** An estimate of the heap a span takes, calibrated by bench/viewer.bench.ts. */
export function estimateSpanBytes(s: Span): number {
  let n = 620 + s.name.length * 2 + s.traceState.length * 2 + s.status.message.length * 2 + attributesBytes(s.attributes);
  for (const e of s.events) n += 120 + e.name.length * 2 + attributesBytes(e.attributes);
  for (const l of s.links) n += 160 + attributesBytes(l.attributes);
  return n;
}

function nanosToMs(nanos: string): number {
  return Number(nanos) / 1e6;
}

function serviceOf(resource: Resource): string {
  for (const kv of resource.attributes) if (kv.key === 'service.name' && 'stringValue' in kv.value) return kv.value.stringValue;
  return 'unknown_service';
}

/** The traces the viewer holds; see the module comment. */
export class TraceStore {
  private readonly traces = new Map<string, Trace>();
  private readonly interned = new Map<string, Resource | Scope>();
  private readonly suggestions = new Map<string, Map<string, number>>();
  private bytes = 0;
  private spanCount = 0;
  private evictedTraces = 0;
  private evictedSpans = 0;

  /** `maxBytes`: the bound on the estimated size of what is held. */
  constructor(readonly maxBytes: number) {}

  /** Adds the spans of a request, which it takes over (do not use it after); returns the ids of the traces that changed. */
  ingest(request: TracesRequest, run = 1): Set<string> {
    const changed = new Set<string>();
    for (const rs of request.resourceSpans) {
      const resource = this.intern(rs.resource);
      const service = serviceOf(resource);
      this.suggest(resource.attributes);
      for (const ss of rs.scopeSpans) {
        const scope = this.intern(ss.scope);
        for (const span of ss.spans) {
          if (span.traceId === '' || span.spanId === '') continue;
          const bytes = estimateSpanBytes(span);
          this.suggest(span.attributes);
          const attributes = packAttributes(span.attributes);
          span.attributes = [];
          this.add({ span, attributes, resource, scope, service, startMs: nanosToMs(span.startTimeUnixNano), endMs: nanosToMs(span.endTimeUnixNano), bytes }, run);
          changed.add(span.traceId);
        }
      }
    }
    this.evict();
    for (const id of changed) if (!this.traces.has(id)) changed.delete(id);
    return changed;
  }

  private add(stored: StoredSpan, run: number): void {
    const id = stored.span.traceId;
    let trace = this.traces.get(id);
    if (trace === undefined) {
      trace = { id, spans: new Map(), bytes: 0, version: 0, run, services: new Set(), errorCount: 0, startMs: Infinity, endMs: -Infinity };
      this.traces.set(id, trace);
    }
    const old = trace.spans.get(stored.span.spanId);
    if (old !== undefined) {
      trace.bytes -= old.bytes;
      this.bytes -= old.bytes;
      this.spanCount--;
      if (old.span.status.code === 2) trace.errorCount--;
    }
    trace.spans.set(stored.span.spanId, stored);
    trace.version++;
    trace.bytes += stored.bytes;
    this.bytes += stored.bytes;
    this.spanCount++;
    trace.services.add(stored.service);
    if (stored.span.status.code === 2) trace.errorCount++;
    if (stored.startMs < trace.startMs) trace.startMs = stored.startMs;
    if (stored.endMs > trace.endMs) trace.endMs = stored.endMs;
  }

  private evict(): void {
    // Oldest first; the newest trace stays even when it alone is over the bound.
    for (const [id, trace] of this.traces) {
      if (this.bytes <= this.maxBytes || this.traces.size <= 1) break;
      this.traces.delete(id);
      this.bytes -= trace.bytes;
      this.spanCount -= trace.spans.size;
      this.evictedTraces++;
      this.evictedSpans += trace.spans.size;
    }
  }

  private intern<T extends Resource | Scope>(value: T): T {
    const key = JSON.stringify(value);
    const known = this.interned.get(key);
    if (known !== undefined) return known as T;
    if (this.interned.size < MAX_INTERNED) this.interned.set(key, value);
    return value;
  }

  private suggest(attributes: KeyValue[]): void {
    for (const kv of attributes) {
      let values = this.suggestions.get(kv.key);
      if (values === undefined) {
        if (this.suggestions.size >= MAX_SUGGESTED_KEYS) continue;
        values = new Map();
        this.suggestions.set(kv.key, values);
      }
      const text = valueText(kv.value).slice(0, 200);
      const count = values.get(text);
      if (count !== undefined) values.set(text, count + 1);
      else if (values.size < MAX_SUGGESTED_VALUES) values.set(text, 1);
    }
  }

  /** Forgets every trace (the eviction counts too). */
  clear(): void {
    this.traces.clear();
    this.interned.clear();
    this.suggestions.clear();
    this.bytes = 0;
    this.spanCount = 0;
    this.evictedTraces = 0;
    this.evictedSpans = 0;
  }

  stats(): StoreStats {
    return { traces: this.traces.size, spans: this.spanCount, bytes: this.bytes, maxBytes: this.maxBytes, evictedTraces: this.evictedTraces, evictedSpans: this.evictedSpans };
  }

  has(traceId: string): boolean {
    return this.traces.has(traceId);
  }

  /** The summary of one trace, or undefined when it is not held. */
  summary(traceId: string): TraceSummary | undefined {
    const t = this.traces.get(traceId);
    if (t === undefined) return undefined;
    let root: StoredSpan | undefined;
    for (const s of t.spans.values()) {
      const isRoot = s.span.parentSpanId === '' || !t.spans.has(s.span.parentSpanId);
      if (isRoot && (root === undefined || s.startMs < root.startMs || (root.span.parentSpanId !== '' && s.span.parentSpanId === ''))) root = s;
    }
    return {
      traceId: t.id,
      rootName: root?.span.name ?? '',
      rootService: root?.service ?? '',
      services: [...t.services],
      startMs: t.startMs,
      durationMs: Math.max(0, t.endMs - t.startMs),
      spanCount: t.spans.size,
      errorCount: t.errorCount,
      run: t.run,
    };
  }

  /** Summaries of the traces that match, newest first, at most `limit`. */
  list(filter: TraceFilter = {}, limit = 500): TraceSummary[] {
    const out: TraceSummary[] = [];
    const ids = [...this.traces.keys()];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      const t = this.traces.get(ids[i]!)!;
      if (this.matches(t, filter)) out.push(this.summary(t.id)!);
    }
    return out;
  }

  private matches(t: Trace, f: TraceFilter): boolean {
    if (f.run !== undefined && t.run !== f.run) return false;
    if (f.service && !t.services.has(f.service)) return false;
    if (f.status === 'error' && t.errorCount === 0) return false;
    if (f.status === 'ok' && t.errorCount > 0) return false;
    const duration = t.endMs - t.startMs;
    if (f.minMs !== undefined && duration < f.minMs) return false;
    if (f.maxMs !== undefined && duration > f.maxMs) return false;
    if (f.name) {
      const needle = f.name.toLowerCase();
      let found = false;
      for (const s of t.spans.values()) if (s.span.name.toLowerCase().includes(needle)) { found = true; break; }
      if (!found) return false;
    }
    if (f.attr) {
      const eq = f.attr.indexOf('=');
      const key = eq < 0 ? f.attr : f.attr.slice(0, eq);
      const value = eq < 0 ? undefined : f.attr.slice(eq + 1);
      const hit = (list: KeyValue[]): boolean => list.some((kv) => kv.key === key && (value === undefined || valueText(kv.value) === value));
      const hitPacked = (p: PackedAttributes): boolean => {
        for (let i = 0; i < p.length; i += 2) if (p[i] === key && (value === undefined || valueText(unpackValue(p[i + 1])) === value)) return true;
        return false;
      };
      let found = false;
      for (const s of t.spans.values()) if (hitPacked(s.attributes) || hit(s.resource.attributes)) { found = true; break; }
      if (!found) return false;
    }
    return true;
  }

  /** Attribute keys seen, most frequent first. */
  keys(): string[] {
    return [...this.suggestions.entries()]
      .map(([k, v]) => [k, [...v.values()].reduce((a, b) => a + b, 0)] as const)
      .sort((a, b) => b[1] - a[1])
      .map(([k]) => k);
  }

  /** Values seen for `key`, most frequent first. */
  values(key: string): string[] {
    const values = this.suggestions.get(key);
    if (values === undefined) return [];
    return [...values.entries()].sort((a, b) => b[1] - a[1]).map(([v]) => v);
  }

  /** The version of a held trace (see {@link Trace.version}), or -1. */
  versionOf(traceId: string): number {
    return this.traces.get(traceId)?.version ?? -1;
  }

  /** The spans of one trace, or undefined when it is not held. */
  spansOf(traceId: string): Iterable<StoredSpan> | undefined {
    return this.traces.get(traceId)?.spans.values();
  }

  /** The held traces (all, or those named) as one OTLP/JSON request, grouped by resource and scope. */
  toOtlp(traceIds?: Iterable<string>): TracesRequest {
    const byResource = new Map<Resource, Map<Scope, Span[]>>();
    const ids = traceIds === undefined ? this.traces.keys() : traceIds;
    for (const id of ids) {
      const t = this.traces.get(id);
      if (t === undefined) continue;
      for (const s of t.spans.values()) {
        let scopes = byResource.get(s.resource);
        if (scopes === undefined) byResource.set(s.resource, (scopes = new Map()));
        let spans = scopes.get(s.scope);
        if (spans === undefined) scopes.set(s.scope, (spans = []));
        spans.push({ ...s.span, attributes: unpackAttributes(s.attributes) });
      }
    }
    return {
      resourceSpans: [...byResource].map(([resource, scopes]) => ({
        resource,
        scopeSpans: [...scopes].map(([scope, spans]) => ({ scope, spans })),
      })),
    };
  }
}

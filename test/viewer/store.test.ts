// The trace store: bounded by estimated bytes, oldest traces evicted and counted, late spans
// merged, duplicates replaced, search by service, name, duration, status and attribute.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptySpan } from '../../src/viewer/otlp-model.js';
import type { Span, TracesRequest } from '../../src/viewer/otlp-model.js';
import { TraceStore } from '../../src/viewer/store.js';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function span(trace: number, id: number, extra: Partial<Span> = {}): Span {
  return { ...emptySpan(), traceId: hex(trace, 32), spanId: hex(id, 16), name: `span-${id}`, startTimeUnixNano: String(1e18 + id * 1e6), endTimeUnixNano: String(1e18 + id * 1e6 + 5e6), ...extra };
}
function request(spans: Span[], service = 'svc'): TracesRequest {
  return { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: 's', version: '', attributes: [] }, spans }] }] };
}

describe('TraceStore', () => {
  it('stays within its byte bound by evicting the oldest traces, and counts them', () => {
    const store = new TraceStore(100_000);
    for (let t = 1; t <= 200; t++) store.ingest(request([span(t, t * 10), span(t, t * 10 + 1)]));
    const s = store.stats();
    expect(s.bytes).toBeLessThanOrEqual(100_000);
    expect(s.evictedTraces).toBeGreaterThan(0);
    expect(s.traces + s.evictedTraces).toBe(200);
    expect(s.spans + s.evictedSpans).toBe(400);
    // The newest are kept, the oldest gone.
    expect(store.has(hex(200, 32))).toBe(true);
    expect(store.has(hex(1, 32))).toBe(false);
  });

  it('merges late spans into the trace it holds and replaces a span sent twice', () => {
    const store = new TraceStore(1e9);
    store.ingest(request([span(1, 1)]));
    const changed = store.ingest(request([span(1, 2, { parentSpanId: hex(1, 16) }), span(1, 1, { name: 'renamed' })], 'other'));
    expect([...changed]).toEqual([hex(1, 32)]);
    const summary = store.summary(hex(1, 32))!;
    expect(summary.spanCount).toBe(2);
    expect(summary.rootName).toBe('renamed');
    expect(summary.services.sort()).toEqual(['other', 'svc']);
    expect(store.stats().spans).toBe(2);
  });

  it('finds traces by service, name, duration, status and attribute', () => {
    const store = new TraceStore(1e9);
    store.ingest(request([span(1, 1, { attributes: [{ key: 'http.route', value: { stringValue: '/cart' } }] })], 'cart'));
    store.ingest(request([span(2, 2, { status: { code: 2, message: 'x' }, endTimeUnixNano: String(1e18 + 2e6 + 900e6) })], 'pay'));
    const ids = (f: Parameters<TraceStore['list']>[0]) => store.list(f).map((t) => t.traceId);
    expect(ids({ service: 'cart' })).toEqual([hex(1, 32)]);
    expect(ids({ name: 'SPAN-2' })).toEqual([hex(2, 32)]);
    expect(ids({ minMs: 100 })).toEqual([hex(2, 32)]);
    expect(ids({ maxMs: 100 })).toEqual([hex(1, 32)]);
    expect(ids({ status: 'error' })).toEqual([hex(2, 32)]);
    expect(ids({ status: 'ok' })).toEqual([hex(1, 32)]);
    expect(ids({ attr: 'http.route=/cart' })).toEqual([hex(1, 32)]);
    expect(ids({ attr: 'http.route' })).toEqual([hex(1, 32)]);
    expect(ids({ attr: 'service.name=pay' })).toEqual([hex(2, 32)]);
    expect(ids({ attr: 'http.route=/nope' })).toEqual([]);
    expect(store.keys()).toContain('http.route');
    expect(store.values('http.route')).toEqual(['/cart']);
  });

  it('keeps its counts consistent for any sequence of spans and bounds (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 60 }), fc.string({ maxLength: 200 })), { maxLength: 200 }),
        (maxBytes, items) => {
          const store = new TraceStore(maxBytes);
          let received = 0;
          const unique = new Set<string>();
          for (const [t, id, value] of items) {
            store.ingest(request([span(t, id, { attributes: [{ key: 'v', value: { stringValue: value } }] })]));
            received++;
            unique.add(`${t}/${id}`);
          }
          const s = store.stats();
          if (s.traces > 1) expect(s.bytes).toBeLessThanOrEqual(maxBytes);
          const held = store.toOtlp().resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
          expect(held.length).toBe(s.spans);
          expect(s.spans).toBeLessThanOrEqual(unique.size);
          expect(received).toBeGreaterThanOrEqual(s.spans);
        },
      ),
    );
  });

  it('clear() forgets traces and counts', () => {
    const store = new TraceStore(1000);
    for (let t = 1; t <= 10; t++) store.ingest(request([span(t, t)]));
    store.clear();
    expect(store.stats()).toMatchObject({ traces: 0, spans: 0, bytes: 0, evictedTraces: 0 });
  });
});

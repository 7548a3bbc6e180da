// The head sampler under tracelight's own tracer (init()), which decides local children inline.
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTraceState } from '../../src/propagation/tracestate.js';
import { collectingExporter, freshTracelight } from '../helpers/fresh-tracelight.js';

let shutdown: (() => Promise<void>) | undefined;
afterEach(async () => {
  await shutdown?.();
  shutdown = undefined;
});

describe('sampler: 0.1 with init()', () => {
  it('kept traces carry ot=th:e666 and the random flag on every span; dropped traces export nothing; children follow', async () => {
    const api = await freshTracelight();
    const exporter = collectingExporter();
    const handle = api.init({ serviceName: 't', exporter, sampler: 0.1, flushOnExit: false, batch: { maxQueueSize: 100_000 } });
    shutdown = () => handle.shutdown();
    const roots: Array<{ traceId: string; sampled: boolean }> = [];
    for (let i = 0; i < 5000; i++) {
      api.withSpan('root', (span) => {
        const sc = span.spanContext();
        roots.push({ traceId: sc.traceId, sampled: (sc.traceFlags & TraceFlags.SAMPLED) !== 0 });
        api.withSpan('child', () => api.withSpan('grandchild', () => undefined));
      });
    }
    await handle.forceFlush();
    const byTrace = new Map<string, string[]>();
    for (const s of exporter.spans) {
      const sc = s.spanContext();
      expect(sc.traceState?.serialize()).toBe('ot=th:e666');
      expect(sc.traceFlags).toBe(TraceFlags.SAMPLED | 2);
      byTrace.set(sc.traceId, [...(byTrace.get(sc.traceId) ?? []), s.name]);
    }
    for (const r of roots) {
      const kept = r.traceId.slice(18) >= 'e6660000000000';
      expect(r.sampled).toBe(kept);
      expect(byTrace.get(r.traceId)?.sort() ?? []).toEqual(kept ? ['child', 'grandchild', 'root'] : []);
    }
    expect(byTrace.size).toBeGreaterThan(5000 * 0.1 - 4.5 * Math.sqrt(5000 * 0.09));
    expect(byTrace.size).toBeLessThan(5000 * 0.1 + 4.5 * Math.sqrt(5000 * 0.09));
  });

  it('a sampled remote parent with an inconsistent th: the span is kept, the th erased for it and its children', async () => {
    const api = await freshTracelight();
    const exporter = collectingExporter();
    const handle = api.init({ serviceName: 't', exporter, sampler: 0.1, flushOnExit: false });
    shutdown = () => handle.shutdown();
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a300000000000001',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: parseTraceState('ot=th:f;x:1,congo=t61rcWkgMzE'),
    });
    context.with(remote, () => api.withSpan('server', () => api.withSpan('inner', () => undefined)));
    await handle.forceFlush();
    expect(exporter.spans.map((s) => [s.name, s.spanContext().traceState?.serialize()])).toEqual([
      ['inner', 'ot=x:1,congo=t61rcWkgMzE'],
      ['server', 'ot=x:1,congo=t61rcWkgMzE'],
    ]);
  });

  it('{ ratePerSecond: 3 }: three new traces, then only children of kept ones', async () => {
    const api = await freshTracelight();
    const exporter = collectingExporter();
    const handle = api.init({ serviceName: 't', exporter, sampler: { ratePerSecond: 3 }, flushOnExit: false });
    shutdown = () => handle.shutdown();
    for (let i = 0; i < 50; i++) api.withSpan('root', () => api.withSpan('child', () => undefined));
    await handle.forceFlush();
    expect(exporter.spans.filter((s) => s.name === 'root')).toHaveLength(3);
    expect(exporter.spans.filter((s) => s.name === 'child')).toHaveLength(3);
    for (const s of exporter.spans) expect(s.spanContext().traceState).toBeUndefined();
  });
});

describe('what a backend receives over OTLP', () => {
  it('every kept span carries trace_state ot=th:fd70a (adjusted count 100) and the sampled + random flags, decoded with the official schema', async () => {
    const { OtlpReceiver } = await import('../exporters/otlp-receiver.js');
    const { adjustedCount, parseTh } = await import('../../src/sampling/threshold.js');
    const receiver = await OtlpReceiver.start();
    try {
      const api = await freshTracelight();
      const handle = api.init({ serviceName: 't', exporter: 'otlp', otlp: { endpoint: receiver.tracesUrl }, sampler: 0.01, flushOnExit: false });
      let kept = 0;
      for (let i = 0; i < 3000; i++) {
        api.withSpan('root', (span) => {
          if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) kept++;
          api.withSpan('child', () => undefined);
        });
      }
      await handle.shutdown();
      expect(kept).toBeGreaterThan(0);
      const spans = receiver.acceptedSpans();
      expect(spans).toHaveLength(kept * 2);
      for (const s of spans) {
        expect(s.traceState).toBe('ot=th:fd70a');
        expect(s.flags & 0xff).toBe(TraceFlags.SAMPLED | 2);
      }
      const th = /th:([0-9a-f]+)/.exec(spans[0]!.traceState)![1]!;
      expect(adjustedCount(parseTh(th)!)).toBeCloseTo(99.9977, 3);
    } finally {
      await receiver.close();
    }
  });
});

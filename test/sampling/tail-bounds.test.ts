/**
 * Tail sampling under load, on the real tracer: memory stays bounded with 100,000 fragments open
 * at once (counts, not timing), every span is accounted for, and the baseline keeps the expected
 * fraction of 100,000 fragments (fixed seeds), consistently across baselines.
 */
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { ReadableSpan, SpanProcessor } from '../../src/internal/sdk.js';
import { resolveTailSampling } from '../../src/sampling/tail-sampling-options.js';
import type { TailSamplingOptions } from '../../src/sampling/tail-sampling-options.js';
import { TailSamplingProcessor } from '../../src/sampling/tail-sampling-processor.js';
import { LightTracerProvider } from '../../src/span/tracer-provider.js';

/** The processor behind tail sampling: counts what it is handed. */
function counting(): SpanProcessor & { spans: number; traces: Set<string>; roots: ReadableSpan[] } {
  const traces = new Set<string>();
  const roots: ReadableSpan[] = [];
  return {
    spans: 0,
    traces,
    roots,
    onStart() {},
    onEnd(span) {
      this.spans++;
      traces.add(span.spanContext().traceId);
      if (span.parentSpanContext === undefined || span.parentSpanContext.isRemote) roots.push(span);
    },
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
}

/** Decisions remembered for spans still open (the processor's two generations). */
function decidedRemembered(tail: TailSamplingProcessor): number {
  const t = tail as unknown as { _decidedYoung: Map<string, unknown>; _decidedOld: Map<string, unknown> };
  return t._decidedYoung.size + t._decidedOld.size;
}

function pipeline(options: TailSamplingOptions): { tracer: Tracer; tail: TailSamplingProcessor; next: ReturnType<typeof counting>; provider: LightTracerProvider } {
  const next = counting();
  const tail = new TailSamplingProcessor([next], resolveTailSampling(options));
  const provider = new LightTracerProvider({ spanProcessors: [tail] });
  return { tracer: provider.getTracer('bounds'), tail, next, provider };
}

/** xorshift128+-like 32-bit generator with a fixed seed (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function traceIds(seed: number, count: number): string[] {
  const next = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push([next(), next(), next(), next()].map((n) => n.toString(16).padStart(8, '0')).join(''));
  }
  return out;
}

function remote(traceId: string): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
}

describe('tail sampling bounds', () => {
  it('100,000 fragments open at once: at most maxFragments held, the oldest evicted and counted, every span accounted for', async () => {
    const { tracer, tail, next } = pipeline({ slowerThanMs: 60_000, baseline: 0, maxFragments: 10_000 });
    const roots = [];
    for (let i = 0; i < 100_000; i++) {
      const root = tracer.startSpan(`root ${i}`);
      tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
      roots.push(root);
      if (i % 10_000 === 9_999) {
        const s = tail.stats();
        expect(s.fragmentsHeld).toBe(Math.min(i + 1, 10_000));
        expect(s.spansHeld).toBeLessThanOrEqual(10_000);
      }
    }
    let s = tail.stats();
    expect(s.fragmentsHeld).toBe(10_000);
    expect(s.spansHeld).toBe(10_000);
    expect(s.evicted).toBe(90_000);
    expect(s.dropped).toBe(90_000); // young, ok, baseline 0
    expect(s.spansDropped).toBe(90_000);
    // What is remembered of decided fragments whose roots are still open is bounded too.
    expect(decidedRemembered(tail)).toBeLessThanOrEqual(10_000);
    for (const root of roots) root.end();
    s = tail.stats();
    expect(s.fragmentsHeld).toBe(0);
    expect(s.spansHeld).toBe(0);
    expect(decidedRemembered(tail)).toBe(0);
    // 200,000 spans: each passed on or dropped, none lost.
    expect(next.spans + s.spansDropped).toBe(200_000);
    expect(next.spans).toBe(0);
    await tail.shutdown();
  }, 90_000); // counts, not timing: room for a busy machine

  it('spans beyond maxSpansPerFragment are not held, however many a fragment has', () => {
    const { tracer, tail } = pipeline({ slowerThanMs: 60_000, baseline: 0, maxSpansPerFragment: 1000 });
    const root = tracer.startSpan('root');
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    for (let i = 0; i < 50_000; i++) tracer.startSpan('child', {}, ctx).end();
    expect(tail.stats().spansHeld).toBe(1000);
    expect(tail.stats().spansDropped).toBe(49_000);
    root.end();
    expect(tail.stats()).toMatchObject({ spansHeld: 0, fragmentsHeld: 0, dropped: 1, spansDropped: 50_001 });
  });

  for (const [baseline, seed] of [
    [0.01, 1],
    [0.1, 2],
    [0.5, 3],
  ] as const) {
    it(`baseline ${baseline}: kept fraction of 100,000 fragments (seed ${seed}) within 4.5 standard deviations`, () => {
      const { tracer, tail, next } = pipeline({ slowerThanMs: 60_000, baseline });
      for (const id of traceIds(seed, 100_000)) tracer.startSpan('root', {}, remote(id)).end();
      const n = 100_000;
      const sd = Math.sqrt(n * baseline * (1 - baseline));
      const s = tail.stats();
      expect(s.keptBaseline + s.dropped).toBe(n);
      expect(Math.abs(s.keptBaseline - n * baseline)).toBeLessThan(4.5 * sd);
      expect(next.spans).toBe(s.keptBaseline);
      for (const r of next.roots.slice(0, 100)) expect(r.attributes['tracelight.sampling.adjusted_count']).toBe(1 / baseline);
    }, 90_000);
  }

  it('consistent across processes with the same rule: a trace kept at 1% is kept at 10%, and a second processor keeps exactly the same traces', () => {
    const ids = traceIds(42, 100_000);
    const at1 = pipeline({ slowerThanMs: 60_000, baseline: 0.01 });
    const at10 = pipeline({ slowerThanMs: 60_000, baseline: 0.1 });
    const again = pipeline({ slowerThanMs: 60_000, baseline: 0.01 });
    for (const id of ids) {
      at1.tracer.startSpan('root', {}, remote(id)).end();
      at10.tracer.startSpan('root', {}, remote(id)).end();
      again.tracer.startSpan('root', {}, remote(id)).end();
    }
    expect(at1.next.traces.size).toBeGreaterThan(800);
    for (const id of at1.next.traces) expect(at10.next.traces.has(id)).toBe(true);
    expect([...again.next.traces]).toEqual([...at1.next.traces]);
  }, 90_000);
});

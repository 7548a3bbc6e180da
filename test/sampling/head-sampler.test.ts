import { ROOT_CONTEXT, SpanKind, TraceFlags, trace, type Context, type SpanContext } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSampler, MAX_RATE_PER_SECOND } from '../../src/config/sampler.js';
import { captureDiagnostics } from '../../src/internal/diag.js';
import { SamplingDecision, type Sampler, type SamplingResult } from '../../src/internal/sdk.js';
import { parseTraceState } from '../../src/propagation/tracestate.js';
import { HeadSampler } from '../../src/sampling/head-sampler.js';
import { parseTh, probabilityToTh, thresholdProbability } from '../../src/sampling/threshold.js';
import { seededTraceIds } from './seeded-ids.js';

const SAMPLED = TraceFlags.SAMPLED;
const RANDOM = 2;

function root(sampler: Sampler, traceId: string): SamplingResult {
  return sampler.shouldSample(ROOT_CONTEXT, traceId, 'span', SpanKind.SERVER, {}, []);
}

function withParent(parent: Partial<SpanContext> & { traceId: string }): Context {
  const sc: SpanContext = { spanId: '00f067aa0ba902b7', traceFlags: SAMPLED | RANDOM, isRemote: true, ...parent };
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}

function child(sampler: Sampler, parent: Partial<SpanContext> & { traceId: string }): SamplingResult {
  return sampler.shouldSample(withParent(parent), parent.traceId, 'span', SpanKind.SERVER, {}, []);
}

const kept = (r: SamplingResult) => r.decision === SamplingDecision.RECORD_AND_SAMPLED;

/** A trace id whose trailing 56 bits are the 14 hex digits `r`. */
const idWithRandomness = (r: string) => '4bf92f3577b34da6a3' + r;

describe('consistent probability sampling of new traces', () => {
  for (const [ratio, seed] of [[0.1, 1], [0.01, 2], [0.5, 3], [1 / 3, 4]] as const) {
    it(`keeps ${ratio} of 100,000 roots (seeded ids), within 4.5 standard deviations`, () => {
      const sampler = createSampler(ratio);
      const next = seededTraceIds(seed);
      const n = 100_000;
      let count = 0;
      for (let i = 0; i < n; i++) if (kept(root(sampler, next()))) count++;
      const p = thresholdProbability(parseTh(probabilityToTh(ratio)!)!);
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(count - n * p)).toBeLessThan(4.5 * sd);
    });
  }

  it('writes ot=th:<threshold> on kept roots, and nothing on dropped ones', () => {
    const sampler = createSampler(0.1);
    const keep = root(sampler, idWithRandomness('e6660000000000'));
    expect(kept(keep)).toBe(true);
    expect(keep.traceState?.serialize()).toBe('ot=th:e666');
    const drop = root(sampler, idWithRandomness('e665ffffffffff'));
    expect(drop.decision).toBe(SamplingDecision.NOT_RECORD);
    expect(drop.traceState).toBeUndefined();
  });

  it('ratio 1 keeps everything with th:0 (adjusted count 1); ratio 0 keeps nothing', () => {
    expect(root(createSampler(1), idWithRandomness('00000000000000')).traceState?.serialize()).toBe('ot=th:0');
    const none = createSampler({ ratio: 0 });
    expect(kept(root(none, idWithRandomness('ffffffffffffff')))).toBe(false);
  });

  it('is consistent: a trace kept at probability p1 is kept at every p2 >= p1', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{32}$/), fc.double({ min: 1e-6, max: 1, noNaN: true }), fc.double({ min: 1e-6, max: 1, noNaN: true }), (id, a, b) => {
        const [p1, p2] = a < b ? [a, b] : [b, a];
        if (kept(root(createSampler(p1), id))) expect(kept(root(createSampler(p2), id))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parent-based continuation', () => {
  const sampler = createSampler(0.1);
  const traceId = idWithRandomness('fe000000000000');

  it('follows a local parent without looking at its trace state', () => {
    expect(kept(child(sampler, { traceId, isRemote: false }))).toBe(true);
    expect(kept(child(sampler, { traceId, isRemote: false, traceFlags: RANDOM }))).toBe(false);
    // Even a local parent sampled at 1% whose randomness is below 10%: the parent's decision stands.
    expect(kept(child(sampler, { traceId: idWithRandomness('00000000000000'), isRemote: false }))).toBe(true);
  });

  it('keeps a sampled remote parent and propagates its consistent th unchanged', () => {
    const traceState = parseTraceState('ot=th:fd70a,congo=t61rcWkgMzE');
    const r = child(sampler, { traceId, traceState });
    expect(kept(r)).toBe(true);
    expect(r.traceState).toBeUndefined(); // the tracer keeps the parent's
  });

  it('drops an unsampled remote parent', () => {
    expect(kept(child(sampler, { traceId, traceFlags: RANDOM }))).toBe(false);
  });

  it('erases a th inconsistent with the sampled flag (randomness below it), keeping the rest', () => {
    const traceState = parseTraceState('congo=t61rcWkgMzE,ot=p:8;th:ff;r:62');
    const r = child(sampler, { traceId, traceState });
    expect(kept(r)).toBe(true);
    expect(r.traceState?.serialize()).toBe('ot=p:8;r:62,congo=t61rcWkgMzE');
    const only = child(sampler, { traceId, traceState: parseTraceState('ot=th:ff,congo=x') });
    expect(only.traceState?.serialize()).toBe('congo=x');
  });

  it('erases an invalid th', () => {
    const r = child(sampler, { traceId, traceState: parseTraceState('ot=th:zz') });
    expect(kept(r)).toBe(true);
    expect(r.traceState?.serialize()).toBe('');
  });

  it('checks consistency against an explicit rv when there is one', () => {
    const low = idWithRandomness('00000000000000');
    expect(child(sampler, { traceId: low, traceState: parseTraceState('ot=th:ff;rv:ff100000000000') }).traceState).toBeUndefined();
    expect(child(sampler, { traceId, traceState: parseTraceState('ot=th:ff;rv:00100000000000') }).traceState?.serialize()).toBe('ot=rv:00100000000000');
  });

  it('treats an invalid parent as no parent', () => {
    const r = sampler.shouldSample(withParent({ traceId: '0'.repeat(32) }), idWithRandomness('ff000000000000'), 's', SpanKind.INTERNAL, {}, []);
    expect(r.traceState?.serialize()).toBe('ot=th:e666');
  });
});

describe('parentBased: false (each service decides on requests from other services)', () => {
  const sampler = createSampler({ ratio: 0.1, parentBased: false });

  it('keeps a remote trace its own threshold admits, even if the caller did not keep it, and writes its th', () => {
    const r = child(sampler, { traceId: idWithRandomness('f0000000000000'), traceFlags: RANDOM, traceState: parseTraceState('ot=x:1,a=b') });
    expect(kept(r)).toBe(true);
    expect(r.traceState?.serialize()).toBe('ot=th:e666;x:1,a=b');
  });

  it('keeps every trace a 1% caller kept (consistent), and drops what its own 10% does not admit', () => {
    expect(kept(child(sampler, { traceId: idWithRandomness('fd70a000000000'), traceState: parseTraceState('ot=th:fd70a') }))).toBe(true);
    expect(kept(child(sampler, { traceId: idWithRandomness('e0000000000000') }))).toBe(false);
  });

  it('decides with an explicit rv when the caller sent one', () => {
    expect(kept(child(sampler, { traceId: idWithRandomness('00000000000000'), traceState: parseTraceState('ot=rv:f0000000000000') }))).toBe(true);
  });

  it('says once through diag when it presumes a caller\'s trace id random (no random flag)', () => {
    const messages: string[] = [];
    captureDiagnostics(() => {
      child(sampler, { traceId: idWithRandomness('f0000000000000'), traceFlags: SAMPLED });
      child(sampler, { traceId: idWithRandomness('f0000000000000'), traceFlags: SAMPLED | RANDOM });
    }, (m) => messages.push(m));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('without the W3C random flag');
  });

  it('still follows local parents', () => {
    expect(kept(child(sampler, { traceId: idWithRandomness('00000000000000'), isRemote: false }))).toBe(true);
  });
});

describe('rate limit (token bucket, injected clock)', () => {
  it('a burst of 5,000 roots keeps exactly N; then N a second', () => {
    let now = 0;
    const sampler = new HeadSampler({ ratePerSecond: 100, clock: () => now });
    const next = seededTraceIds(5);
    let count = 0;
    for (let i = 0; i < 5000; i++) if (kept(root(sampler, next()))) count++;
    expect(count).toBe(100);
    // ~2 s of steady load, a root every 0.1 ms: at most the bucket plus 2 s of refill.
    count = 0;
    for (let i = 0; i < 20_000; i++) {
      now += 0.1;
      if (kept(root(sampler, next()))) count++;
    }
    expect(count).toBeGreaterThanOrEqual(199);
    expect(count).toBeLessThanOrEqual(200);
  });

  it('children follow their parent whatever the bucket holds; rate 0 starts no trace', () => {
    const now = 0;
    const sampler = new HeadSampler({ ratePerSecond: 0, clock: () => now });
    expect(kept(root(sampler, idWithRandomness('ffffffffffffff')))).toBe(false);
    expect(kept(child(sampler, { traceId: idWithRandomness('00000000000000') }))).toBe(true);
  });

  it('a clock that goes back adds no tokens', () => {
    let now = 1000;
    const sampler = new HeadSampler({ ratePerSecond: 2, clock: () => now });
    const id = idWithRandomness('ffffffffffffff');
    expect([kept(root(sampler, id)), kept(root(sampler, id)), kept(root(sampler, id))]).toEqual([true, true, false]);
    now = 0;
    expect(kept(root(sampler, id))).toBe(false);
    now = 500; // half a second after the backward jump: one token
    expect(kept(root(sampler, id))).toBe(true);
  });

  it('kept traces carry no th (their probability is unknown), also with a ratio, and an upstream th is erased', () => {
    const sampler = createSampler({ ratio: 0.5, ratePerSecond: 10, parentBased: false });
    expect(root(sampler, idWithRandomness('ffffffffffffff')).traceState).toBeUndefined();
    expect(kept(root(sampler, idWithRandomness('0fffffffffffff')))).toBe(false); // the ratio says no
    const r = child(sampler, { traceId: idWithRandomness('ffffffffffffff'), traceState: parseTraceState('ot=th:8;x:1') });
    expect(r.traceState?.serialize()).toBe('ot=x:1');
  });
});

describe('configuration', () => {
  const warnings = (fn: () => Sampler): [string, string[]] => {
    const messages: string[] = [];
    const sampler = captureDiagnostics(fn, (m) => messages.push(m));
    return [sampler.toString(), messages];
  };

  it('bad values give a defined sampler and one warning', () => {
    for (const bad of [-1, Number.NaN, 1.5, Infinity]) {
      const [s, m] = warnings(() => createSampler(bad));
      expect(s).toContain('ParentBased{root=AlwaysOnSampler');
      expect(m).toHaveLength(1);
    }
    for (const bad of [-1, Number.NaN, Infinity, '10' as unknown as number]) {
      const [s, m] = warnings(() => createSampler({ ratePerSecond: bad }));
      expect(s).toContain('ParentBased{root=AlwaysOnSampler');
      expect(m[0]).toContain('ratePerSecond');
    }
    const [s, m] = warnings(() => createSampler({ ratePerSecond: 1e300 }));
    expect(s).toBe(`TracelightHeadSampler{ratePerSecond=${MAX_RATE_PER_SECOND}, parentBased}`);
    expect(m).toHaveLength(1);
  });

  it('an options object asking for nothing is the default sampler; a Sampler object is used as is', () => {
    expect(createSampler({}).toString()).toContain('ParentBased{root=AlwaysOnSampler');
    const mine = new HeadSampler({ th: '8' });
    expect(createSampler(mine)).toBe(mine);
  });

  it('names tracelight_probability and tracelight_ratelimit (with their arguments and defaults)', () => {
    expect(createSampler('tracelight_probability', 0.01).toString()).toBe('TracelightHeadSampler{ratio=0.01, th=fd70a, parentBased}');
    expect(createSampler('tracelight_ratelimit', 5).toString()).toBe('TracelightHeadSampler{ratePerSecond=5, parentBased}');
    expect(createSampler('tracelight_ratelimit').toString()).toBe('TracelightHeadSampler{ratePerSecond=100, parentBased}');
    expect(createSampler('parentbased_traceidratio', 0.1).toString()).toContain('root=TraceIdRatioBased{0.1}');
  });
});

describe('OTEL_TRACES_SAMPLER names', () => {
  it('reads tracelight_ratelimit with a rate argument, and tracelight_probability with a ratio', async () => {
    const { readEnv } = await import('../../src/config/env.js');
    const messages: string[] = [];
    const env = captureDiagnostics(() => readEnv({ OTEL_TRACES_SAMPLER: 'tracelight_ratelimit', OTEL_TRACES_SAMPLER_ARG: '250' }), (m) => messages.push(m));
    expect(env).toMatchObject({ sampler: 'tracelight_ratelimit', samplerArg: 250 });
    const bad = captureDiagnostics(() => readEnv({ OTEL_TRACES_SAMPLER: 'tracelight_ratelimit', OTEL_TRACES_SAMPLER_ARG: '-3' }), (m) => messages.push(m));
    expect(bad.samplerArg).toBeUndefined();
    const ratio = captureDiagnostics(() => readEnv({ OTEL_TRACES_SAMPLER: 'TRACELIGHT_PROBABILITY', OTEL_TRACES_SAMPLER_ARG: '250' }), (m) => messages.push(m));
    expect(ratio).toMatchObject({ sampler: 'tracelight_probability' });
    expect(ratio.samplerArg).toBeUndefined();
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('traces per second');
    expect(messages[1]).toContain('ratio between 0 and 1');
  });
});

describe('rate limit on the real clock', () => {
  it('over ~2 s of load that lets the event loop turn, keeps at most the bucket plus rate x elapsed, and not much less', async () => {
    const rate = 200;
    const sampler = createSampler({ ratePerSecond: rate });
    const next = seededTraceIds(9);
    const start = performance.now();
    let offered = 0;
    let count = 0;
    while (performance.now() - start < 2000 && offered < 2_000_000) {
      for (let i = 0; i < 500; i++, offered++) if (kept(root(sampler, next()))) count++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const elapsed = (performance.now() - start) / 1000;
    expect(offered).toBeGreaterThan(count * 10); // the limit was what bit
    expect(count).toBeLessThanOrEqual(rate + Math.ceil(rate * elapsed));
    expect(count).toBeGreaterThanOrEqual(Math.floor(rate * elapsed * 0.95));
  });
});

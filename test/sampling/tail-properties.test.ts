/**
 * Properties of tail sampling's building blocks for any input (fast-check): the baseline decision
 * equals the specification's `R >= T` computed exactly with BigInt; bad options and trace states
 * give defined, bounded results and never throw. And the processor works behind the official
 * SDK's tracer provider too (its spans take the attributes in onEnding).
 */
import { context, createTraceState, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveTailSampling, TAIL_SAMPLING_DEFAULTS } from '../../src/sampling/tail-sampling-options.js';
import { TailSamplingProcessor } from '../../src/sampling/tail-sampling-processor.js';
import { admits, headProbability, randomnessHex, thresholdHex } from '../../src/sampling/trace-randomness.js';

const TWO_56 = 2n ** 56n;
const hex = (length: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: length, maxLength: length }).map((a) => a.join(''));

describe('trace randomness', () => {
  it('admits(R, T(p)) is exactly R >= 2^56 - round(p · 2^56) (never for p = 0)', () => {
    fc.assert(
      fc.property(hex(32), fc.double({ min: 0, max: 1, noNaN: true }), (traceId, p) => {
        const r = BigInt(`0x${traceId.slice(18)}`);
        const keep = BigInt(Math.round(p * 2 ** 56));
        const expected = keep > 0n && r >= TWO_56 - keep;
        expect(admits(randomnessHex(traceId, undefined), thresholdHex(p))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('baseline 1 admits every trace id, including randomness 0', () => {
    expect(admits('00000000000000', thresholdHex(1))).toBe(true);
    expect(thresholdHex(0)).toBeUndefined();
    expect(thresholdHex(Number.NaN)).toBeUndefined();
    expect(thresholdHex(1e-30)).toBeUndefined(); // rounds to nothing kept at 56 bits
  });

  it('any trace state string: randomness is 14 hex digits, the head probability is in (0, 1], nothing throws', () => {
    fc.assert(
      fc.property(hex(32), fc.string({ maxLength: 80 }), fc.option(hex(14)), fc.option(fc.string({ maxLength: 16 })), (traceId, junk, rv, th) => {
        const parts = [rv === null ? undefined : `rv:${rv}`, th === null ? undefined : `th:${th}`, junk].filter(Boolean).join(';');
        let state;
        try {
          state = createTraceState(`ot=${parts}`);
        } catch {
          state = undefined;
        }
        const r = randomnessHex(traceId, state);
        expect(r).toMatch(/^[0-9a-f]{14}$/);
        const p = headProbability(state);
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('the specification examples of th: th:0 is 100%, th:8 50%, th:c 25%, th:fd 1/64 (1.171875%)', () => {
    const p = (th: string): number => headProbability(createTraceState(`ot=th:${th}`));
    expect(p('0')).toBe(1);
    expect(p('8')).toBe(0.5);
    expect(p('c')).toBe(0.25);
    expect(p('fd')).toBeCloseTo(0.01171875, 12);
  });
});

describe('tail sampling options', () => {
  it('any value gives options in range, and never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (given) => {
        const o = resolveTailSampling(given as never);
        expect(typeof o.keepErrors).toBe('boolean');
        expect(o.slowerThanMs).toBeGreaterThanOrEqual(0);
        expect(o.baseline).toBeGreaterThanOrEqual(0);
        expect(o.baseline).toBeLessThanOrEqual(1);
        expect(Number.isInteger(o.maxFragments) && o.maxFragments >= 1).toBe(true);
        expect(Number.isInteger(o.maxSpansPerFragment) && o.maxSpansPerFragment >= 1).toBe(true);
        expect(o.decisionTimeoutMs).toBeGreaterThan(0);
        expect(o.decisionTimeoutMs).toBeLessThanOrEqual(2_147_483_647);
      }),
      { numRuns: 500 },
    );
  });

  it('out-of-range values fall back to their defaults, one by one', () => {
    expect(resolveTailSampling({ baseline: 2, slowerThanMs: -1, maxFragments: 0, decisionTimeoutMs: Infinity, maxSpansPerFragment: 10 })).toEqual({
      ...TAIL_SAMPLING_DEFAULTS,
      maxSpansPerFragment: 10,
    });
  });
});

describe('behind the official tracer provider', () => {
  it('keeps an erring fragment with the reason on its root and drops an ok one (spans of @opentelemetry/sdk-trace)', () => {
    const exporter = new InMemorySpanExporter();
    const tail = new TailSamplingProcessor([new SimpleSpanProcessor({ exporter })], resolveTailSampling({ baseline: 0, slowerThanMs: 60_000 }));
    const provider = new TracerProvider({ spanProcessors: [tail] });
    const tracer = provider.getTracer('official');
    for (const fail of [false, true]) {
      const root = tracer.startSpan(fail ? 'failing root' : 'ok root');
      const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), root));
      if (fail) child.setStatus({ code: 2 });
      child.end();
      root.end();
    }
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['child', 'failing root']);
    const root = spans.find((s) => s.name === 'failing root')!;
    expect(root.attributes).toMatchObject({ 'tracelight.sampling.reason': 'error', 'tracelight.sampling.adjusted_count': 1 });
    expect(tail.stats()).toMatchObject({ kept: 1, dropped: 1, spansDropped: 2, spansHeld: 0 });
  });

  it('behind a provider that never calls onEnding, it decides in onEnd and still marks the root', () => {
    const exporter = new InMemorySpanExporter();
    const tail = new TailSamplingProcessor([new SimpleSpanProcessor({ exporter })], resolveTailSampling({ baseline: 0, slowerThanMs: 60_000 }));
    // Only onStart and onEnd, as providers before SDK 2 call them.
    const withoutOnEnding = {
      onStart: tail.onStart.bind(tail),
      onEnd: tail.onEnd.bind(tail),
      forceFlush: () => tail.forceFlush(),
      shutdown: () => tail.shutdown(),
    };
    const tracer = new TracerProvider({ spanProcessors: [withoutOnEnding] }).getTracer('old');
    for (const fail of [false, true, false]) {
      const root = tracer.startSpan(fail ? 'failing root' : 'ok root');
      const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), root));
      if (fail) root.setStatus({ code: 2 });
      child.end();
      root.end();
    }
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['child', 'failing root']);
    expect(spans.find((s) => s.name === 'failing root')!.attributes['tracelight.sampling.reason']).toBe('error');
    expect(tail.stats()).toMatchObject({ kept: 1, dropped: 2, spansDropped: 4, spansHeld: 0, fragmentsHeld: 0 });
  });
});

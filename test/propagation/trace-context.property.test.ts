/**
 * Property tests (fast-check) of the Trace Context propagator: robustness against any input,
 * inject∘extract round trips, and a linear bound on the work done for huge headers.
 */
import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, isSpanContextValid, trace } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraceContextPropagator } from '../../src/propagation/trace-context-propagator.js';
import { parseTraceParent } from '../../src/propagation/traceparent.js';
import { TraceState, parseTraceStateHeader, type TraceStateScanWork } from '../../src/propagation/tracestate.js';

const propagator = new TraceContextPropagator();
const VALID_TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const MEMBER = /^[a-z0-9][a-z0-9_\-*/@]{0,255}=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/** Strings near the grammar (mutations of valid headers) as well as arbitrary ones. */
const headerString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(VALID_TP, 'cc' + VALID_TP.slice(2) + '-x', 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
  fc
    .tuple(fc.constant(VALID_TP), fc.nat(60), fc.string({ minLength: 0, maxLength: 3 }))
    .map(([s, at, ins]) => s.slice(0, at) + ins + s.slice(at + 1)),
  fc.array(fc.constantFrom('a=1', ' ', '\t', ',', 'B=2', 'k@v=x y', '=', 'z'.repeat(256)), { maxLength: 40 }).map((p) => p.join('')),
);
const oddValue = fc.oneof(
  headerString,
  fc.array(headerString, { maxLength: 4 }),
  fc.constantFrom(undefined, null, 0, NaN, true, {}, [], [undefined], [null, VALID_TP], Symbol('s'), () => VALID_TP),
  fc.anything(),
);

function assertWellFormed(sc: SpanContext): void {
  expect(isSpanContextValid(sc)).toBe(true);
  expect(sc.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(sc.spanId).toMatch(/^[0-9a-f]{16}$/);
  expect([0, 1, 2, 3]).toContain(sc.traceFlags);
  expect(sc.isRemote).toBe(true);
  if (sc.traceState !== undefined) {
    const s = sc.traceState.serialize();
    if (s !== '') {
      const members = s.split(',');
      expect(members.length).toBeLessThanOrEqual(32);
      for (const m of members) expect(m).toMatch(MEMBER);
      expect(new Set(members.map((m) => m.slice(0, m.indexOf('=')))).size).toBe(members.length);
    }
  }
}

describe('extract never throws and never yields an invalid span context', () => {
  it('for any traceparent/tracestate values', () => {
    fc.assert(
      fc.property(oddValue, oddValue, (tp, ts) => {
        const carrier = { traceparent: tp, tracestate: ts };
        const ctx = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
        const sc = trace.getSpanContext(ctx);
        if (sc === undefined) {
          expect(ctx).toBe(ROOT_CONTEXT);
          return;
        }
        assertWellFormed(sc);
        // Whatever was extracted can be injected, and what is injected parses back.
        const out: Record<string, string> = {};
        propagator.inject(ctx, out, defaultTextMapSetter);
        expect(parseTraceParent(out['traceparent']!)).not.toBeNull();
        if (out['tracestate'] !== undefined) expect(out['tracestate'].length).toBeLessThanOrEqual(512);
      }),
      { numRuns: 2000 },
    );
  });
  it('for odd carriers', () => {
    fc.assert(
      fc.property(fc.anything(), (carrier) => {
        expect(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)).toBe(ROOT_CONTEXT);
      }),
    );
  });
});

const hexId = (length: number) =>
  fc
    .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length })
    .filter((s) => /[1-9a-f]/.test(s));
const key = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9_\-*/]{0,20}$/),
  fc.stringMatching(/^[a-z0-9][a-z0-9_\-*/]{0,10}@[a-z][a-z0-9_\-*/]{0,6}$/),
);
const value = fc.stringMatching(/^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,30}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/);
const members = fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 32 });

describe('inject∘extract round-trips every valid context', () => {
  it('ids, flags and tracestate members survive', () => {
    fc.assert(
      fc.property(hexId(32), hexId(16), fc.integer({ min: 0, max: 255 }), members, (traceId, spanId, flags, list) => {
        let state = new TraceState();
        for (let i = list.length - 1; i >= 0; i--) state = state.set(list[i]![0], list[i]![1]);
        const serialized = list.map(([k, v]) => `${k}=${v}`).join(',');
        expect(state.serialize()).toBe(serialized);
        const sc: SpanContext = { traceId, spanId, traceFlags: flags, traceState: state };
        const carrier: Record<string, string> = {};
        propagator.inject(trace.setSpanContext(ROOT_CONTEXT, sc), carrier, defaultTextMapSetter);
        const back = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
        expect(back).toBeDefined();
        expect(back!.traceId).toBe(traceId);
        expect(back!.spanId).toBe(spanId);
        expect(back!.traceFlags).toBe(flags & 3); // reserved flags are written as zero
        const got = back!.traceState?.serialize() ?? '';
        if (serialized.length <= 512) {
          expect(got).toBe(serialized);
        } else {
          // Truncated by whole members, order kept.
          expect(got.length).toBeLessThanOrEqual(512);
          const kept = got.split(',');
          let j = 0;
          for (const m of serialized.split(',')) if (m === kept[j]) j++;
          expect(j).toBe(kept.length);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

/**
 * Linear work. The tracestate parser is one forward scan (its index only grows) plus duplicate-
 * key comparisons, filtered by a per-key hash and length so each duplicate is compared with the
 * one entry it matches; it records the characters it examined in a `TraceStateScanWork`, a
 * deterministic measure. Input longer than TRACESTATE_MAX_INPUT_LENGTH is rejected before any
 * scan (0 examined), so a 1 MB header costs O(1); below the cap the work is at most about twice
 * the length. The traceparent parser reads fixed offsets (at most 56 characters after the
 * optional whitespace), so a 1 MB tail cannot change its result: we show the result for a 1 MB
 * header equals the result for its bounded prefix.
 */
describe('parsing huge headers is linear (work counted, not timed)', () => {
  const MB = 1 << 20;

  it('rejects a 1 MB tracestate without scanning it; the traceparent still holds', () => {
    const huge = 'a=1,'.repeat(MB / 4);
    const work: TraceStateScanWork = { examined: -1 };
    expect(parseTraceStateHeader(huge, work)).toBeUndefined();
    expect(work.examined).toBe(0);
    const ctx = propagator.extract(ROOT_CONTEXT, { traceparent: VALID_TP, tracestate: huge }, defaultTextMapGetter);
    const sc = trace.getSpanContext(ctx)!;
    expect(sc.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(sc.traceState?.serialize() ?? '').toBe('');
  });

  it('examines at most ~2 characters per input character below the cap, on adversarial inputs', () => {
    const cap = 32_768;
    const adversarial = [
      ' '.repeat(cap - 10) + 'a=1',
      ','.repeat(cap),
      'a=1,'.repeat(cap / 4), // every member a duplicate of the first
      ('k'.repeat(255) + '=1,').repeat(120), // long duplicate keys
      Array.from({ length: 32 }, (_, i) => 'k'.repeat(250) + String(i).padStart(6, '0') + '=v').join(','), // same length, distinct
      Array.from({ length: 40 }, (_, i) => `k${i}=1`).join(',') + ',x'.repeat(5000), // stops at member 33
      'a=' + ' '.repeat(cap - 10) + 'b', // spaces inside a value
    ];
    for (const input of adversarial) {
      const work: TraceStateScanWork = { examined: -1 };
      parseTraceStateHeader(input, work);
      expect(work.examined, input.slice(0, 20)).toBeLessThanOrEqual(2 * input.length + 1);
    }
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a=1', 'bb=2', ' ', '\t', ',', 'k'.repeat(200) + '=v', 'Z', '='), { maxLength: 200 }),
        (parts) => {
          const input = parts.join('');
          const work: TraceStateScanWork = { examined: -1 };
          parseTraceStateHeader(input, work);
          expect(work.examined).toBeLessThanOrEqual(2 * input.length + 1);
        },
      ),
    );
  });

  it('a 1 MB traceparent gives the result of its bounded prefix', () => {
    const future = 'cc' + VALID_TP.slice(2) + '-';
    const cases: Array<[string, string]> = [
      [future + 'x'.repeat(MB), future],
      [VALID_TP + 'x'.repeat(MB), VALID_TP + 'x'],
      [VALID_TP + ' '.repeat(MB), VALID_TP],
      ['x'.repeat(MB), 'x'.repeat(56)],
      [' '.repeat(MB) + VALID_TP, VALID_TP],
    ];
    for (const [huge, prefix] of cases) expect(parseTraceParent(huge)).toEqual(parseTraceParent(prefix));
  });
});

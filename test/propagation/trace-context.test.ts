/**
 * Unit tests of traceparent/tracestate parsing, formatting and the propagator's inject rules.
 */
import { ROOT_CONTEXT, TraceFlags, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import type { SpanContext, TextMapGetter } from '@opentelemetry/api';
import { TraceState as CoreTraceState, suppressTracing } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { TraceContextPropagator } from '../../src/propagation/trace-context-propagator.js';
import { formatTraceParent, parseTraceParent } from '../../src/propagation/traceparent.js';
import { TraceState, parseTraceStateHeader, traceStateHeaderValue } from '../../src/propagation/tracestate.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const propagator = new TraceContextPropagator();

function injected(sc: SpanContext, ctx = ROOT_CONTEXT): Record<string, string> {
  const out: Record<string, string> = {};
  propagator.inject(trace.setSpanContext(ctx, sc), out, defaultTextMapSetter);
  return out;
}

describe('parseTraceParent', () => {
  it('parses a valid header into a remote span context', () => {
    expect(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-01`)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      isRemote: true,
      traceState: undefined,
    });
  });
  it('keeps sampled and random, zeroes reserved flags', () => {
    expect(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-03`)?.traceFlags).toBe(3);
    expect(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-06`)?.traceFlags).toBe(2);
    expect(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-fc`)?.traceFlags).toBe(0);
  });
  it('returns null for non-strings', () => {
    for (const v of [undefined, null, 42, {}, [], Symbol('x')]) expect(parseTraceParent(v as never)).toBeNull();
  });
});

describe('formatTraceParent', () => {
  it('formats version 00 with known flags only', () => {
    expect(formatTraceParent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0xff })).toBe(`00-${TRACE_ID}-${SPAN_ID}-03`);
    expect(formatTraceParent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.NONE })).toBe(`00-${TRACE_ID}-${SPAN_ID}-00`);
  });
  it('lowercases ids the API accepts in uppercase', () => {
    expect(formatTraceParent({ traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase(), traceFlags: 1 })).toBe(
      `00-${TRACE_ID}-${SPAN_ID}-01`,
    );
  });
  it('returns "" for invalid contexts, even hostile ones', () => {
    const hostile = Object.defineProperty({}, 'traceId', {
      get() {
        throw new Error('boom');
      },
    });
    for (const sc of [
      { traceId: '0'.repeat(32), spanId: SPAN_ID, traceFlags: 1 },
      { traceId: TRACE_ID, spanId: '0'.repeat(16), traceFlags: 1 },
      { traceId: TRACE_ID + 'a', spanId: SPAN_ID, traceFlags: 1 },
      { traceId: TRACE_ID.replace('a', 'g'), spanId: SPAN_ID, traceFlags: 1 },
      { traceId: 42, spanId: SPAN_ID, traceFlags: 1 },
      null,
      hostile,
    ]) {
      expect(formatTraceParent(sc as SpanContext)).toBe('');
    }
  });
});

describe('TraceState', () => {
  it('set moves the key to the front, get and unset work, instances are immutable', () => {
    const a = new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    const b = a.set('rojo', 'new');
    expect(b.serialize()).toBe('rojo=new,congo=t61rcWkgMzE');
    expect(a.serialize()).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(b.get('congo')).toBe('t61rcWkgMzE');
    expect(b.unset('congo').serialize()).toBe('rojo=new');
    expect(b.unset('missing')).toBe(b);
  });
  it('ignores keys and values that cannot be sent', () => {
    const s = new TraceState();
    for (const [k, v] of [
      ['FOO', '1'],
      ['@foo', '1'],
      ['foo bar', '1'],
      ['z'.repeat(257), '1'],
      ['foo', ''],
      ['foo', 'a,b'],
      ['foo', 'a=b'],
      ['foo', 'trailing '],
      ['foo', 'tab\there'],
      ['foo', 'v'.repeat(257)],
      ['foo', 'é'],
    ]) {
      expect(s.set(k!, v!), `${k}=${v}`).toBe(s);
    }
    expect(s.set('t@vendor', ' leading space ok').serialize()).toBe('t@vendor= leading space ok');
  });
  it('keeps at most 32 members, dropping the right-most', () => {
    let s = new TraceState();
    for (let i = 0; i < 40; i++) s = s.set(`k${i}`, String(i));
    expect(s.serialize().split(',')).toHaveLength(32);
    expect(s.get('k39')).toBe('39');
    expect(s.get('k7')).toBeUndefined();
    expect(s.get('k8')).toBe('8');
  });
  it('an invalid header gives an empty list', () => {
    expect(new TraceState('foo=1,BAR=2').serialize()).toBe('');
    expect(parseTraceStateHeader('foo=1,BAR=2')).toBeUndefined();
    expect(parseTraceStateHeader(' , ,')).toBeUndefined();
  });
  it('truncates for inject by whole members: over-128 ones first, then from the end', () => {
    const big1 = 'big1=' + 'x'.repeat(200); // 205 chars
    const big2 = 'big2=' + 'y'.repeat(200);
    const small = Array.from({ length: 10 }, (_, i) => `s${i}=` + 'v'.repeat(20)); // 23 chars each
    const all = [small[0]!, big1, ...small.slice(1, 5), big2, ...small.slice(5)];
    const state = new TraceState(all.join(','));
    expect(state.serialize()).toBe(all.join(','));
    // 10 × 23 + 2 × 205 + 11 = 651 > 512: dropping big2 (the right-most large one) leaves 445.
    expect(traceStateHeaderValue(state)).toBe([small[0]!, big1, ...small.slice(1)].join(','));
    // Three large members and smalls: both large ones must go, then smalls from the end.
    const many = Array.from({ length: 30 }, (_, i) => `m${String(i).padStart(2, '0')}=` + 'v'.repeat(20)); // 24 each
    const s2 = new TraceState([big1, ...many].join(','));
    const out = traceStateHeaderValue(s2);
    expect(out.length).toBeLessThanOrEqual(512);
    expect(out).toBe(many.slice(0, 20).join(',')); // 20 × 24 + 19 = 499; 21 would be 524
  });
  it('validates and bounds a foreign TraceState on inject', () => {
    const core = new CoreTraceState().set('a', '1').set('b', '2');
    expect(traceStateHeaderValue(core)).toBe('b=2,a=1');
    const broken = { serialize: () => 'a=1,B=2' } as unknown as CoreTraceState;
    expect(traceStateHeaderValue(broken)).toBe('');
    const throwing = {
      serialize: () => {
        throw new Error('x');
      },
    } as unknown as CoreTraceState;
    expect(traceStateHeaderValue(throwing)).toBe('');
  });
});

describe('TraceContextPropagator', () => {
  const sc: SpanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState: new TraceState('a=1') };

  it('injects traceparent and tracestate', () => {
    expect(injected(sc)).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'a=1' });
  });
  it('injects nothing for an invalid span context or when tracing is suppressed', () => {
    expect(injected({ ...sc, traceId: '0'.repeat(32) })).toEqual({});
    expect(injected(sc, suppressTracing(ROOT_CONTEXT))).toEqual({});
    const out: Record<string, string> = {};
    propagator.inject(ROOT_CONTEXT, out, defaultTextMapSetter);
    expect(out).toEqual({});
  });
  it('never throws from inject or extract, whatever the carrier does', () => {
    const throwingSetter = {
      set() {
        throw new Error('setter');
      },
    };
    expect(() => propagator.inject(trace.setSpanContext(ROOT_CONTEXT, sc), {}, throwingSetter)).not.toThrow();
    const throwingGetter: TextMapGetter = {
      get() {
        throw new Error('getter');
      },
      keys: () => [],
    };
    expect(propagator.extract(ROOT_CONTEXT, {}, throwingGetter)).toBe(ROOT_CONTEXT);
    expect(propagator.extract(ROOT_CONTEXT, null, defaultTextMapGetter)).toBe(ROOT_CONTEXT);
    expect(propagator.extract(ROOT_CONTEXT, undefined, defaultTextMapGetter)).toBe(ROOT_CONTEXT);
  });
  it('keeps traceparent when only the tracestate getter throws', () => {
    const getter: TextMapGetter = {
      get(_c, key) {
        if (key === 'tracestate') throw new Error('tracestate');
        return `00-${TRACE_ID}-${SPAN_ID}-01`;
      },
      keys: () => [],
    };
    const got = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, {}, getter));
    expect(got?.traceId).toBe(TRACE_ID);
    expect(got?.traceState).toBeUndefined();
  });
  it('accepts a repeated identical traceparent but not different ones', () => {
    const tp = `00-${TRACE_ID}-${SPAN_ID}-01`;
    expect(trace.getSpanContext(propagator.extract(ROOT_CONTEXT, { traceparent: [tp, tp] }, defaultTextMapGetter))?.spanId).toBe(SPAN_ID);
    const other = tp.replace('b7ad', 'c7ad');
    expect(propagator.extract(ROOT_CONTEXT, { traceparent: [tp, other] }, defaultTextMapGetter)).toBe(ROOT_CONTEXT);
    expect(propagator.extract(ROOT_CONTEXT, { traceparent: [] }, defaultTextMapGetter)).toBe(ROOT_CONTEXT);
    expect(propagator.extract(ROOT_CONTEXT, { traceparent: [42] }, defaultTextMapGetter)).toBe(ROOT_CONTEXT);
  });
  it('drops a tracestate array holding a non-string', () => {
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: ['a=1', 7] },
      defaultTextMapGetter,
    );
    expect(trace.getSpanContext(ctx)?.traceState).toBeUndefined();
  });
  it('declares its fields', () => {
    expect(propagator.fields()).toEqual(['traceparent', 'tracestate']);
  });
});

describe('tracestate list-member bound', () => {
  it('looks at 128 list-members at most, counting empty and duplicate ones', () => {
    expect(parseTraceStateHeader('a=1,'.repeat(127) + 'b=2')?.serialize()).toBe('a=1,b=2');
    expect(parseTraceStateHeader('a=1,'.repeat(128) + 'b=2')).toBeUndefined();
    expect(parseTraceStateHeader(','.repeat(127) + 'a=1')?.serialize()).toBe('a=1');
    expect(parseTraceStateHeader(','.repeat(128) + 'a=1')).toBeUndefined();
    expect(parseTraceStateHeader('a=%ZZ,'.repeat(2731))).toBeUndefined();
  });
});

/**
 * W3C Baggage propagator: limits on what it writes and accepts, and robustness.
 */
import { ROOT_CONTEXT, baggageEntryMetadataFromString, defaultTextMapGetter, defaultTextMapSetter, propagation } from '@opentelemetry/api';
import type { Baggage, BaggageEntry } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { BaggagePropagator } from '../../src/propagation/baggage.js';

const p = new BaggagePropagator();

function inject(entries: Record<string, BaggageEntry>, ctx = ROOT_CONTEXT): string | undefined {
  const out: Record<string, string> = {};
  p.inject(propagation.setBaggage(ctx, propagation.createBaggage(entries)), out, defaultTextMapSetter);
  return out['baggage'];
}
function extract(header: unknown): Baggage | undefined {
  return propagation.getBaggage(p.extract(ROOT_CONTEXT, { baggage: header }, defaultTextMapGetter));
}
const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

describe('BaggagePropagator inject', () => {
  it('writes encoded members with metadata', () => {
    expect(inject({ user: { value: 'a b' }, 'k,1': { value: 'v', metadata: baggageEntryMetadataFromString('p=1') } })).toBe(
      'user=a%20b,k%2C1=v;p=1',
    );
  });
  it('writes at most 180 members', () => {
    const entries = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, { value: 'v' }]));
    expect(inject(entries)!.split(',')).toHaveLength(180);
  });
  it('bounds the header to 8192 bytes with whole members', () => {
    const meta = baggageEntryMetadataFromString('p=' + 'x'.repeat(1998)); // 2000 bytes
    const entries = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, { value: 'v', metadata: meta }]));
    const header = inject(entries)!;
    expect(utf8(header)).toBeLessThanOrEqual(8192);
    const members = header.split(',');
    expect(members).toHaveLength(4); // 4 × 2005 bytes + 3 commas = 8023; a 5th would be 10029
    for (const m of members) expect(m).toBe('k' + m[1] + '=v;p=' + 'x'.repeat(1998));
  });
  it('drops non-ASCII metadata: properties are ASCII by the grammar', () => {
    const meta = baggageEntryMetadataFromString('é'.repeat(10) + ';ok=1');
    expect(inject({ a: { value: 'v', metadata: meta } })).toBe('a=v;ok=1');
  });
  it('skips a member that does not fit but keeps later ones that do', () => {
    const header = inject({ a: { value: 'x'.repeat(4000) }, b: { value: 'y'.repeat(4000) }, c: { value: 'z'.repeat(4000) }, d: { value: '1' } })!;
    expect(header.split(',').map((m) => m.slice(0, 1))).toEqual(['a', 'b', 'd']);
    expect(header.length).toBeLessThanOrEqual(8192);
  });
  it('never writes a member split by a comma in its metadata: the invalid property is dropped', () => {
    expect(inject({ a: { value: '1', metadata: baggageEntryMetadataFromString('x,y') }, b: { value: '2' } })).toBe('a=1,b=2');
  });
  it('writes nothing when tracing is suppressed or there is no baggage', () => {
    expect(inject({ a: { value: '1' } }, suppressTracing(ROOT_CONTEXT))).toBeUndefined();
    const out = {};
    p.inject(ROOT_CONTEXT, out, defaultTextMapSetter);
    expect(out).toEqual({});
  });
});

describe('BaggagePropagator extract', () => {
  it('reads members, including from several headers', () => {
    const b = extract(['a=1', 'b=%20two;prop']);
    expect(b?.getEntry('a')?.value).toBe('1');
    expect(b?.getEntry('b')?.value).toBe(' two');
  });
  it('accepts at most 180 members and 8192 characters', () => {
    expect(extract(Array.from({ length: 300 }, (_, i) => `k${i}=v`).join(','))?.getAllEntries()).toHaveLength(180);
    const big = Array.from({ length: 10 }, (_, i) => `k${i}=` + 'v'.repeat(1500)).join(',');
    const entries = extract(big)!.getAllEntries();
    expect(entries.length).toBe(5); // 5 × 1503 + 4 = 7519; 6 would be 9024
  });
  it('never throws on odd header values', () => {
    for (const v of [42, {}, [1, 2], [null], Symbol('x'), '', [], '%%%=%%%', ',,,']) {
      expect(() => p.extract(ROOT_CONTEXT, { baggage: v }, defaultTextMapGetter)).not.toThrow();
    }
    expect(extract(42)).toBeUndefined();
    expect(
      p.extract(ROOT_CONTEXT, {}, {
        get() {
          throw new Error('x');
        },
        keys: () => [],
      }),
    ).toBe(ROOT_CONTEXT);
  });
});

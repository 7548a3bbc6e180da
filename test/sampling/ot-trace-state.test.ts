import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OT_MAX_LENGTH, readOtSampling, withTh } from '../../src/sampling/ot-trace-state.js';
import { formatTh } from '../../src/sampling/threshold.js';

describe('the ot entry of tracestate', () => {
  it('reads th and rv', () => {
    expect(readOtSampling('th:e666')).toEqual({ th: { hi: 0xe666000, lo: 0 } });
    expect(readOtSampling('rv:0123456789abcd;th:8')).toEqual({ th: { hi: 0x8000000, lo: 0 }, rv: { hi: 0x0123456, lo: 0x789abcd } });
    expect(readOtSampling('p:8;r:62;th:0')).toEqual({ th: { hi: 0, lo: 0 } });
    expect(readOtSampling('foo:bar')).toEqual({});
  });

  it('flags an invalid th (so it is erased) and ignores an rv that is not 14 hex digits', () => {
    expect(readOtSampling('th:')).toEqual({ badTh: true });
    expect(readOtSampling('th:xyz')).toEqual({ badTh: true });
    expect(readOtSampling('th:123456789abcdef')).toEqual({ badTh: true });
    expect(readOtSampling('rv:abc;th:8').rv).toBeUndefined();
    expect(readOtSampling('rv:0123456789abcde').rv).toBeUndefined();
  });

  it('counts the first th when there are two', () => {
    expect(formatTh(readOtSampling('th:c;th:8').th!)).toBe('c');
  });

  it('ignores values over 256 characters and non-strings', () => {
    expect(readOtSampling('th:8;' + 'x'.repeat(OT_MAX_LENGTH))).toEqual({});
    expect(readOtSampling(undefined)).toEqual({});
    expect(readOtSampling(42)).toEqual({});
  });

  it('sets th first and keeps the other sub-keys; removes it; drops empty members', () => {
    expect(withTh(undefined, 'e666')).toBe('th:e666');
    expect(withTh('p:8;th:c;r:62', 'e666')).toBe('th:e666;p:8;r:62');
    expect(withTh('p:8;;th:c;r:62', undefined)).toBe('p:8;r:62');
    expect(withTh('th:c', undefined)).toBe('');
    expect(withTh('rv:0123456789abcd', '8')).toBe('th:8;rv:0123456789abcd');
  });

  it('hostile input: reading never throws and gives only valid values; writing stays within 256 characters', () => {
    const piece = fc.oneof(
      fc.constantFrom('th:', 'rv:', ';', ':', 'th:8', 'rv:0123456789abcd', 'th:ffffffffffffff', 'th:fffffffffffffff', '\u0000', 'ö', ' '),
      fc.string({ maxLength: 20 }),
      fc.stringMatching(/^[0-9a-fA-F]{0,16}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }).map((a) => a.join('')), fc.option(fc.constantFrom('0', '8', 'e666', 'fd70a'), { nil: undefined }), (ot, th) => {
        const read = readOtSampling(ot);
        for (const v of [read.th, read.rv]) {
          if (v === undefined) continue;
          expect(Number.isInteger(v.hi) && v.hi >= 0 && v.hi <= 0xfffffff).toBe(true);
          expect(Number.isInteger(v.lo) && v.lo >= 0 && v.lo <= 0xfffffff).toBe(true);
        }
        if (read.th !== undefined) expect(read.badTh).toBeUndefined();
        const written = withTh(ot, th);
        expect(written.length).toBeLessThanOrEqual(OT_MAX_LENGTH);
        const back = readOtSampling(written);
        if (th === undefined) expect(back.th === undefined || ot.length > OT_MAX_LENGTH * 4).toBe(true);
        else expect(formatTh(back.th!)).toBe(th);
      }),
      { numRuns: 2000 },
    );
  });
});

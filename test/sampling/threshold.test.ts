import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjustedCount, formatTh, parseTh, probabilityToTh, thresholdProbability } from '../../src/sampling/threshold.js';

// The table of "TraceState: Probability Sampling", Algorithms: 1-in-N, thresholds at precision 3, 4, 5.
const SPEC_TABLE: Array<[number, number, [string, string, string], [number, number, number]]> = [
  [1, 1, ['0', '0', '0'], [1, 1, 1]],
  [2, 0.5, ['8', '8', '8'], [2, 2, 2]],
  [3, 1 / 3, ['aab', 'aaab', 'aaaab'], [3.0007326007326007, 3.00004577706569, 3.0000028610256777]],
  [4, 0.25, ['c', 'c', 'c'], [4, 4, 4]],
  [5, 0.2, ['ccd', 'cccd', 'ccccd'], [5.001221001221001, 5.0000762951094835, 5.0000047683761295]],
  [8, 0.125, ['e', 'e', 'e'], [8, 8, 8]],
  [10, 0.1, ['e66', 'e666', 'e6666'], [9.990243902439024, 9.99938968568813, 9.999961853172863]],
  [16, 0.0625, ['f', 'f', 'f'], [16, 16, 16]],
  [100, 0.01, ['fd71', 'fd70a', 'fd70a4'], [100.05496183206107, 99.99771123402633, 100.00009536752259]],
  [1000, 0.001, ['ffbe7', 'ffbe77', 'ffbe76d'], [999.5958055290753, 1000.012874769029, 1000.0016987352618]],
  [10000, 0.0001, ['fff972', 'fff9724', 'fff97247'], [9998.340882002383, 9999.830725674266, 9999.99370426336]],
  [100000, 0.00001, ['ffff584', 'ffff583a', 'ffff583a5'], [100013.21013412817, 99999.238556461, 99999.96614643588]],
  [1000000, 0.000001, ['ffffef4', 'ffffef39', 'ffffef391'], [1.0016248358208955e6, 999992.38556461, 1.0000069374699865e6]],
];

describe('threshold encoding (specification examples)', () => {
  for (const [n, p, ths, counts] of SPEC_TABLE) {
    it(`1-in-${n}: th at precision 3, 4, 5 and the exact adjusted counts`, () => {
      for (let k = 0; k < 3; k++) {
        const th = probabilityToTh(p, k + 3);
        expect(th).toBe(ths[k]!);
        const t = parseTh(th!)!;
        expect(formatTh(t)).toBe(th); // round trip
        expect(adjustedCount(t)).toBeCloseTo(counts[k]!, 6);
      }
    });
  }

  it('defaults to precision 4, as the specification recommends SDKs to use', () => {
    expect(probabilityToTh(0.1)).toBe('e666');
    expect(probabilityToTh(0.01)).toBe('fd70a');
    expect(probabilityToTh(1 / 3)).toBe('aaab');
  });

  it('the 1% example of the definitions: fd70a4 with 5 digits, (1-0.01)*2^56 = 0xfd70a400000000', () => {
    const t = parseTh('fd70a4')!;
    expect(t.hi * 2 ** 28 + t.lo).toBe(0xfd70a400000000);
  });

  it('probability 0, NaN and below 2^-56 are not probabilities: undefined (never sampled)', () => {
    expect(probabilityToTh(0)).toBeUndefined();
    expect(probabilityToTh(Number.NaN)).toBeUndefined();
    expect(probabilityToTh(2 ** -57)).toBeUndefined();
    expect(probabilityToTh(2 ** -56)).toBe('ffffffffffff');
  });

  it('parses 1-14 hex digits only (either case), padding with trailing zeros', () => {
    expect(parseTh('')).toBeUndefined();
    expect(parseTh('123456789abcdef')).toBeUndefined(); // 15 digits
    expect(parseTh('g')).toBeUndefined();
    expect(parseTh('-1')).toBeUndefined();
    expect(parseTh(' 8')).toBeUndefined();
    expect(parseTh('E666')).toEqual(parseTh('e666'));
    expect(parseTh('8')).toEqual({ hi: 0x8000000, lo: 0 });
    expect(parseTh('ffffffffffffff')).toEqual({ hi: 0xfffffff, lo: 0xfffffff });
    expect(formatTh({ hi: 0, lo: 0 })).toBe('0');
  });

  it('round-trips every 56-bit threshold through th, and probability through th within the precision', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xfffffff }), fc.integer({ min: 0, max: 0xfffffff }), (hi, lo) => {
        const th = formatTh({ hi, lo });
        expect(th.length).toBeLessThanOrEqual(14);
        expect(th === '0' || !th.endsWith('0')).toBe(true);
        expect(parseTh(th)).toEqual({ hi, lo });
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: 2 ** -28, max: 1, noNaN: true }), (p) => {
        const th = probabilityToTh(p)!;
        const q = thresholdProbability(parseTh(th)!);
        // Half a unit of the 4th significant hex digit (more digits for small p, up to 12 in all).
        expect(Math.abs(q - p) / p).toBeLessThanOrEqual(2 ** -12 * (1 + 1e-9));
      }),
    );
  });
});

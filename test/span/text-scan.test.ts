/**
 * The character loop of `scanText` (short ASCII strings) against the native searches it stands
 * in for: the same flags for every string, so redaction decides exactly as before.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { scanText, scanTextNative } from '../../src/span/text-scan.js';

/** Characters each flag looks at, plus Unicode whitespace and letters of the scheme words. */
const interesting = fc.constantFrom(
  ...'0123456789=:@ \t\n\v\f\r eyJ.-_/?&abBearerTOKENtoken'.split(''),
  '\u00a0', '\u2028', '\u3000', '\ufeff', 'é',
);
const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(interesting, { maxLength: 80 }).map((cs) => cs.join('')),
);

it('gives the flags of the native searches, for any string', () => {
  fc.assert(fc.property(text, (s) => scanText(s) === scanTextNative(s)), { numRuns: 5000 });
});

it('gives the flags of the native searches for typical values and edge lengths', () => {
  const samples = [
    '', '127.0.0.1', '::ffff:127.0.0.1', 'GET', '/users/42', 'eyJ', 'xeyJ', 'ey', 'e',
    '4111 1111 1111 1111', '4111111111111111', '1234567890123', '123456789012', 'a'.repeat(64) + ' ',
    'Bearer abcdefgh1', 'token=abc', 'user:pw@host', 'x\u00a0y', '1'.repeat(64), '1'.repeat(65),
  ];
  for (const s of samples) expect([s, scanText(s)]).toEqual([s, scanTextNative(s)]);
});

/**
 * The redactor keeps, per key, the last string value and its result: a sequence of values under
 * the same keys must give what a fresh redactor gives for each value on its own.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createRedactor } from '../../src/span/redact.js';

const keys = ['url.full', 'http.request.header.authorization', 'card_number', 'note', 'session.id'];
const values = [
  'Bearer abcdefgh12345', 'https://u:p@example.com/x?token=abc123', '4111 1111 1111 1111', '127.0.0.1',
  'plain text', 'page=2', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefgh', 'GET', '',
];

it('gives, for every value in a sequence, what a fresh redactor gives', () => {
  for (const options of [undefined, { patterns: [/secret-\d+/] }, { replacement: '***' }]) {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...keys), fc.oneof(fc.constantFrom(...values), fc.string({ maxLength: 30 }))), { maxLength: 40 }),
        (pairs) => {
          const redactor = createRedactor(options);
          for (const [key, value] of pairs) {
            if (redactor.redact(key, value) !== createRedactor(options).redact(key, value)) return false;
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  }
});

it('redacts a secret value that follows a plain one under the same key', () => {
  const redactor = createRedactor();
  expect(redactor.redact('note', 'page=2')).toBe('page=2');
  expect(redactor.redact('note', 'token=abc12345')).toBe('token=[REDACTED]');
  expect(redactor.redact('note', 'page=2')).toBe('page=2');
});

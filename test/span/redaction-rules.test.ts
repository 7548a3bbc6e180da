/**
 * Default redaction, through the public API: ordinary data is never corrupted (property tests,
 * 100,000 values of each kind), card numbers are caught where they really appear, and secrets
 * in keys, free text, span names and status messages are replaced.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import * as semconv from '@opentelemetry/semantic-conventions';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { withSpan } from '../../src/index.js';
import { createRedactor } from '../../src/sdk.js';
import { setupTestTracing } from '../../src/testing/index.js';

const tracing = setupTestTracing({ serviceName: 'redaction' });
beforeEach(() => tracing.reset());
afterAll(() => tracing.shutdown());

const r = createRedactor();
const same = (key: string, v: string): boolean => r.redact(key, v) === v;
const R = '[REDACTED]';

const digitString = (min: number, max: number) =>
  fc.integer({ min, max }).chain((n) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join('')));
const kinds: Record<string, fc.Arbitrary<string>> = {
  'epoch-ms timestamps': fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }).map(String),
  'epoch-µs timestamps': fc.integer({ min: 946_684_800_000_000, max: 4_102_444_800_000_000 }).map(String),
  '19-digit snowflakes': fc.bigInt({ min: 10n ** 18n, max: 10n ** 19n - 1n }).map(String),
  UUIDs: fc.oneof(
    fc.uuid(),
    fc.tuple(digitString(8, 8), digitString(4, 4), digitString(4, 4), digitString(4, 4), digitString(12, 12)).map((p) => p.join('-')),
  ),
  '13-19 digit order numbers': digitString(13, 19),
  'phone numbers': fc.oneof(
    digitString(8, 15).map((d) => '+' + d),
    fc.tuple(digitString(1, 3), digitString(3, 3), digitString(3, 3), digitString(4, 4)).map(([c, a, b, n]) => `+${c} ${a} ${b} ${n}`),
    fc.tuple(digitString(3, 3), digitString(3, 3), digitString(4, 4)).map(([a, b, n]) => `(${a}) ${b}-${n}`),
    fc.tuple(digitString(1, 3), digitString(2, 4), digitString(3, 4), digitString(4, 4)).map(([c, a, b, n]) => `+${c}-${a}-${b}-${n}`),
    fc.tuple(digitString(3, 3), digitString(3, 3), digitString(4, 4)).map(([a, b, n]) => `${a}.${b}.${n}`),
  ),
};

describe('default redaction leaves ordinary data intact', () => {
  for (const [kind, arb] of Object.entries(kinds)) {
    it(`${kind}: 100,000 values, as values and in URL paths`, () => {
      fc.assert(
        // Plain comparisons, not expect(): a million assertions would dominate the run time.
        fc.property(
          arb,
          (x) =>
            same('app.id', x) &&
            same('url.full', `https://api.example.com/v1/orders/${x}/items?ref=${x}&page=2`) &&
            same('url.path', `/orders/${x}`) &&
            same('http.route', `/orders/${x}/items`) &&
            r.redact('messaging.batch.message_ids', [x, 'other']) !== R,
        ),
        { numRuns: 100_000 },
      );
    }, 180_000); // 1-3 s alone; generous for a loaded 2-core machine
  }

  it('timestamps up to 2038, UUIDs and phone numbers in free text too', () => {
    // (Inside prose, a 16-digit epoch-µs timestamp from 2040 on starts like a Mastercard number
    // and one in ten passes Luhn: there a bare number with a brand prefix counts as a card.)
    const ms = fc.integer({ min: 946_684_800_000, max: 2_147_483_647_000 });
    const epochs = fc.oneof(ms.map(String), ms.chain((t) => fc.integer({ min: 0, max: 999 }).map((u) => String(t * 1000 + u))));
    fc.assert(
      fc.property(fc.oneof(epochs, kinds['UUIDs']!, kinds['phone numbers']!), (x) =>
        same('log.message', `order created at ${x} by worker 3`),
      ),
      { numRuns: 20_000 },
    );
  }, 60_000);

  it('keeps semantic-convention keys unless they name a secret', () => {
    const keys = new Set<string>();
    for (const mod of [semconv, incubating]) {
      for (const [name, value] of Object.entries(mod)) if (name.startsWith('ATTR_') && typeof value === 'string') keys.add(value);
    }
    expect(keys.size).toBeGreaterThan(500);
    // No attribute of the conventions holds a credential (headers are recorded under
    // `http.request.header.<name>`, judged by the header's name).
    expect([...keys].filter((k) => r.redact(k, 'some value') !== 'some value' || r.redact(k, '4111111111111111') !== '4111111111111111')).toEqual([]);
    expect(r.redact('session.id', 'f47ac10b')).toBe('f47ac10b');
    expect(r.redact('session.previous_id', 'f47ac10b')).toBe('f47ac10b');
    expect(r.redact('gen_ai.token.type', 'input')).toBe('input');
    expect(r.redact('gen_ai.usage.input_tokens', 42)).toBe(42);
  });
});

describe('card numbers where they really appear', () => {
  it.each([
    ['4111 1111 1111 1111', R],
    ['4111-1111-1111-1111', R],
    ['4111.1111.1111.1111', R],
    ['5555 5555 5555 4444', R],
    ['3782 822463 10005', R], // Amex 4-6-5
    ['3056 930902 5904', R], // Diners 4-6-4
    ['card 4111 1111 1111 1111 exp 12/27', `card ${R} exp 12/27`],
    ['4111 1111 1111 1111 123', `${R} 123`], // a CVV after the number
    ['paid with 4111111111111111 today', `paid with ${R} today`],
    ['amex 378282246310005, thanks', `amex ${R}, thanks`],
    ['"pan":"4111111111111111"', `"pan":"${R}"`], // the key names a card
    ['card=5555555555554444&x=1', `card=${R}&x=1`],
    ['/cards/4111-1111-1111-1111/charge', `/cards/${R}/charge`],
  ])('%s', (input, expected) => {
    expect(r.redact('note', input)).toBe(expected);
  });

  it.each([
    '4111111111111111', // a bare number: an id unless the key names a card
    '/orders/4111111111111111/items',
    'order #4111111111111111 shipped',
    'call +4111111111111111 now',
    '4111 1111 1111 1112', // Luhn fails
    '1234 5678 9012 3456', // no card brand starts with 1
    'id 9111111111111111 x', // no brand
    '4111-1111-1111-1111-2222', // five groups of four
  ])('not a card: %s', (input) => {
    expect(r.redact('note', input)).toBe(input);
  });

  it.each(['card', 'pan', 'cc_number', 'card_number', 'credit_card', 'cardNumber', 'payment.card', 'user.card.pan', 'CCNum'])(
    'under the card key %s, any 12+ digit value is redacted, string or number',
    (key) => {
      expect(r.redact(key, '4111111111111111')).toBe(R);
      expect(r.redact(key, '4111 1111 1111 1112')).toBe(R);
      expect(r.redact(key, 4111111111111111)).toBe(R);
      expect(r.redact(key, 'visa')).toBe('visa');
      expect(r.redact(key, '1111')).toBe('1111');
    },
  );
});

describe('secret keys', () => {
  it.each([
    'pwd', 'auth', 'jwt', 'credentials', 'bearer', 'passphrase', 'api key', 'API_KEY', 'x-api-key', 'apiKey', 'accessToken',
    'auth_token', 'private_token', 'session_id', 'secret_key', 'pass', 'db.password', 'http.request.header.x-auth-token',
    'client.secret', 'set-cookie', 'user[password]', 'privateKey', 'PHPSESSID', 'signing_key', 'session', 'x-session',
  ])('%s', (key) => {
    expect(r.redact(key, 'value')).toBe(R);
  });

  it.each(['token_type', 'auth.method', 'password_length', 'gen_ai.token.type', 'author', 'passenger', 'compass', 'session.id', 'session.start', 'tokenizer.name'])(
    'not a secret: %s',
    (key) => {
      expect(r.redact(key, 'value')).toBe('value');
    },
  );
});

describe('secrets inside free text', () => {
  it.each([
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-part_1', `Authorization: Bearer ${R}`],
    ['retrying with Bearer abc123def456', `retrying with Bearer ${R}`],
    ['header Basic dXNlcjpwYXNzd29yZA==', `header Basic ${R}`],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdef in cookie', `jwt ${R} in cookie`],
    ['GET /cb?token=abc123&page=2 failed', `GET /cb?token=${R}&page=2 failed`],
    ['login failed: password=hunter2 user=bob', `login failed: password=${R} user=bob`],
    ['{"user":"bob","password":"hunter2"}', `{"user":"bob","password":"${R}"}`],
    ["api_key: 'k-123' set", `api_key: '${R}' set`],
    ['connect postgres://app:s3cret@db:5432/orders', `connect postgres://${R}@db:5432/orders`],
    ['clone https://ghp_abc123@github.com/x/y', `clone https://${R}@github.com/x/y`],
  ])('%s', (input, expected) => {
    expect(r.redact('log.message', input)).toBe(expected);
  });

  it.each([
    'Basic authentication failed',
    'the bearer token expired',
    'UPDATE users SET password = $1 WHERE id = $2',
    'status: ok, retries: 3',
    'GET /users/:id',
    'https://example.com/a?page=2',
    'token=REDACTED&page=2',
  ])('kept: %s', (input) => {
    expect(r.redact('log.message', input)).toBe(input);
  });
});

describe('span names and status messages', () => {
  it('a thrown error message goes to status.message redacted, like its exception event', () => {
    expect(() =>
      withSpan('charge', () => {
        throw new Error('card 4111 1111 1111 1111 declined');
      }),
    ).toThrow();
    const span = tracing.find('charge')!;
    expect(span.status).toEqual({ code: 'error', message: `card ${R} declined` });
    expect(span.events[0]!.attributes!['exception.message']).toBe(`card ${R} declined`);
    expect(String(span.events[0]!.attributes!['exception.stacktrace'])).not.toContain('4111 1111');
  });

  it('span.setStatus({ message }) is redacted', () => {
    withSpan('auth', (span) => {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'rejected Bearer abc123def456 for token=xyz789' });
    });
    expect(tracing.find('auth')!.status.message).toBe(`rejected Bearer ${R} for token=${R}`);
  });

  it('span names, at start and after updateName', () => {
    withSpan('charge 4111 1111 1111 1111', () => {});
    withSpan('GET /cb?token=abc123', (span) => {
      span.updateName('GET /cb?access_token=abc123 Bearer abc123def456');
    });
    expect(tracing.spans().map((s) => s.name)).toEqual([`charge ${R}`, `GET /cb?access_token=${R} Bearer ${R}`]);
  });

  it('ordinary span names are kept', () => {
    withSpan('GET /orders/:id', () => {});
    withSpan('process order 1731234567890', () => {});
    expect(tracing.spans().map((s) => s.name)).toEqual(['GET /orders/:id', 'process order 1731234567890']);
  });
});

describe('free text across lines', () => {
  it('a card or a credential on its own line', () => {
    expect(r.redact('log', 'charge failed\n4111111111111111\nretry')).toBe(`charge failed\n${R}\nretry`);
    expect(r.redact('log', 'headers:\nAuthorization:\tBearer abc123def456')).toBe(`headers:\nAuthorization:\tBearer ${R}`);
  });
});

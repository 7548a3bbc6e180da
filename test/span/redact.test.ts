import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedactor, type RedactOptions } from '../../src/span/redact.js';
import { LightTracerProvider } from '../../src/span/tracer-provider.js';
import { setWithSpanTracer, withSpan } from '../../src/span/with-span.js';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
  setWithSpanTracer(undefined);
});

const CARD = '4111 1111 1111 1111'; // Luhn-valid test number
const link = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };

function record(redact?: RedactOptions | false): ReadableSpan {
  const exporter = new InMemorySpanExporter();
  const provider = new LightTracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })],
    redactor: redact === undefined ? undefined : createRedactor(redact),
  });
  setWithSpanTracer(provider.getTracer('tracelight'));
  withSpan(
    'op',
    {
      attributes: { 'http.request.header.authorization': 'Bearer abc', 'user.id': 'u1' },
      links: [{ context: link, attributes: { 'db.password': 'hunter2', 'peer.name': 'db' } }],
    },
    (span) => {
      span.setAttribute('http.request.header.cookie', ['a=1', 'b=2']);
      span.setAttribute('note', `paid with ${CARD} today`);
      span.setAttributes({ 'x-api-key': 'k-123', API_KEY: 'k-456', apikey: 'k', 'gen_ai.usage.input_tokens': 42, ok: 'fine' });
      span.setAttributes({ 'client.secret': 's', 'session.id': 'sess', 'private_key': 'pk', passwd: 'p', 'access_token': 't' });
      span.setAttribute('custom.internal', 'should-be-hidden-with-custom-keys');
      span.setAttribute('order', 'ORD-12345-XYZ');
      span.setAttribute('id.number', '1234567890123'); // 13 digits, fails Luhn: kept
      span.addEvent('login', { password: 'pw', user: 'bob', 'set-cookie': 'sid=1' });
      span.addLink({ context: link, attributes: { token: 'tok', n: 1 } });
    },
  );
  const spans = exporter.getFinishedSpans();
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe('redaction', () => {
  it('is on by default for start attributes, setAttribute(s), events and links', () => {
    const s = record();
    expect(s.attributes).toMatchObject({
      'http.request.header.authorization': '[REDACTED]',
      'user.id': 'u1',
      'http.request.header.cookie': '[REDACTED]',
      note: 'paid with [REDACTED] today',
      'x-api-key': '[REDACTED]',
      API_KEY: '[REDACTED]',
      apikey: '[REDACTED]',
      'gen_ai.usage.input_tokens': 42,
      ok: 'fine',
      'client.secret': '[REDACTED]',
      'session.id': 'sess', // a semantic-convention identifier, not a credential
      private_key: '[REDACTED]',
      passwd: '[REDACTED]',
      access_token: '[REDACTED]',
      'custom.internal': 'should-be-hidden-with-custom-keys',
      order: 'ORD-12345-XYZ',
      'id.number': '1234567890123',
    });
    expect(s.events[0]!.attributes).toEqual({ password: '[REDACTED]', user: 'bob', 'set-cookie': '[REDACTED]' });
    expect(s.links[0]!.attributes).toEqual({ 'db.password': '[REDACTED]', 'peer.name': 'db' });
    expect(s.links[1]!.attributes).toEqual({ token: '[REDACTED]', n: 1 });
  });

  it('takes custom keys (string and RegExp), patterns and replacement on top of the defaults', () => {
    const s = record({ keys: ['INTERNAL', /^order$/], patterns: [/\bORD-\d+/], replacement: '***' });
    expect(s.attributes['custom.internal']).toBe('***');
    expect(s.attributes['order']).toBe('***');
    expect(s.attributes['http.request.header.authorization']).toBe('***');
    expect(s.attributes['note']).toBe('paid with *** today');
    expect(s.events[0]!.attributes?.['password']).toBe('***');
  });

  it('custom value patterns apply inside values', () => {
    const r = createRedactor({ patterns: [/\b\d{3}-\d{2}-\d{4}\b/] });
    expect(r.redact('note', 'ssn 123-45-6789 on file')).toBe('ssn [REDACTED] on file');
    expect(r.redact('list', ['x', 'ssn 123-45-6789'])).toEqual(['x', 'ssn [REDACTED]']);
  });

  it('redact: false records everything unchanged', () => {
    const s = record(false);
    expect(s.attributes['http.request.header.authorization']).toBe('Bearer abc');
    expect(s.attributes['note']).toBe(`paid with ${CARD} today`);
    expect(s.events[0]!.attributes?.['password']).toBe('pw');
    expect(s.links[0]!.attributes?.['db.password']).toBe('hunter2');
  });

  it('recognises grouped card numbers, bare ones under card keys, not random digit runs', () => {
    const r = createRedactor();
    expect(r.redact('a', '5555-5555-5555-4444')).toBe('[REDACTED]');
    expect(r.redact('a', '378282246310005')).toBe('378282246310005'); // a bare number: an id more often
    expect(r.redact('card', '378282246310005')).toBe('[REDACTED]');
    expect(r.redact('a', 'ts=1700000000000123')).toBe('ts=1700000000000123');
    expect(r.redact('a', 42)).toBe(42);
  });

  it('keeps its per-key cache bounded', () => {
    const r = createRedactor();
    for (let i = 0; i < 5000; i++) expect(r.redact(`key.${i}`, 'v')).toBe('v');
    expect(r.redact('password', 'x')).toBe('[REDACTED]');
  });

  it('redaction also applies under trace.getTracer (global provider)', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new LightTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })] });
    setWithSpanTracer(undefined);
    trace.setGlobalTracerProvider(provider);
    try {
      withSpan('g', { attributes: { cookie: 'c=1' } }, () => {});
      expect(exporter.getFinishedSpans()[0]!.attributes['cookie']).toBe('[REDACTED]');
    } finally {
      trace.disable();
    }
  });
});

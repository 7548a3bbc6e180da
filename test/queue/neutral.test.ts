// The transport-neutral API: return values, errors, links, batches, and hostile headers.
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { withSpan } from '../../src/index.js';
import { traceConsume, traceConsumeBatch, tracePublish } from '../../src/instrumentations/queue/index.js';
import { setupTestTracing } from '../../src/testing/index.js';

const tracing = setupTestTracing({ serviceName: 'queue' });
beforeEach(() => tracing.reset());
afterAll(() => tracing.shutdown());

const info = { system: 'kafka', destination: 'orders' };

describe('tracePublish', () => {
  it('returns what publish returns, sync or async, with fresh headers carrying the producer span', async () => {
    let headers: Record<string, string> = {};
    const sync = tracePublish(info, (h) => {
      headers = h;
      return 42;
    });
    expect(sync).toBe(42);
    const producer = tracing.find('publish orders')!;
    expect(producer).toMatchObject({ kind: 'producer', attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send' } });
    expect(headers['traceparent']).toBe(`00-${producer.traceId}-${producer.spanId}-03`);
    await expect(tracePublish({ ...info, operation: 'send' }, async () => 'sent')).resolves.toBe('sent');
    expect(tracing.find('send orders')).toBeDefined();
  });

  it('records a throw or a rejection and passes the very same error on', async () => {
    const err = new Error('broker down');
    expect(() =>
      tracePublish(info, () => {
        throw err;
      }),
    ).toThrow(err);
    await expect(tracePublish(info, () => Promise.reject(err))).rejects.toBe(err);
    const spans = tracing.findAll('publish orders');
    expect(spans).toHaveLength(2);
    for (const s of spans) expect(s).toMatchObject({ status: { code: 'error', message: 'broker down' }, events: [{ name: 'exception' }] });
  });

  it('publishes untraced, with empty headers, when info is unusable', () => {
    expect(tracePublish({} as never, (h) => h)).toEqual({});
    expect(tracePublish(null as never, () => 'ok')).toBe('ok');
    expect(tracing.spans()).toHaveLength(0);
  });
});

describe('traceConsume', () => {
  it('continues the producer (child and link) with baggage; newTrace makes a linked root', async () => {
    let headers: Record<string, string> = {};
    const bag = propagation.createBaggage({ user: { value: 'u1' } });
    context.with(propagation.setBaggage(context.active(), bag), () => tracePublish(info, (h) => (headers = h)));
    const producer = tracing.find('publish orders')!;
    const got = await traceConsume(info, headers, async (span) => {
      await new Promise((r) => setTimeout(r, 1));
      expect(trace.getActiveSpan()).toBe(span);
      return propagation.getBaggage(context.active())?.getEntry('user')?.value;
    });
    expect(got).toBe('u1');
    expect(tracing.find('process orders')).toMatchObject({ kind: 'consumer', traceId: producer.traceId, parentSpanId: producer.spanId, links: [{ spanId: producer.spanId }] });
    tracing.reset();
    traceConsume(info, headers, () => undefined, { newTrace: true });
    const root = tracing.find('process orders')!;
    expect(root.parentSpanId).toBeUndefined();
    expect(root.traceId).not.toBe(producer.traceId);
    expect(root.links).toEqual([expect.objectContaining({ traceId: producer.traceId, spanId: producer.spanId })]);
  });

  it('ignores the context around the consumer: no headers means a new trace', () => {
    withSpan('poll loop', { kind: SpanKind.INTERNAL }, () => traceConsume(info, undefined, () => undefined));
    expect(tracing.find('process orders')).toMatchObject({ parentSpanId: undefined, links: [] });
  });

  it('records a throw or rejection of the handler and passes the same error on', async () => {
    const err = new TypeError('bad message');
    expect(() =>
      traceConsume(info, {}, () => {
        throw err;
      }),
    ).toThrow(err);
    await expect(traceConsume(info, {}, async () => Promise.reject(err))).rejects.toBe(err);
    for (const s of tracing.findAll('process orders')) expect(s.status).toMatchObject({ code: 'error', message: 'bad message' });
  });

  it('a batch is one span linked to every message', () => {
    const all: Record<string, string>[] = [];
    for (let i = 0; i < 3; i++) tracePublish(info, (h) => all.push(h));
    traceConsumeBatch(info, [...all, { traceparent: 'junk' }], () => undefined);
    const batch = tracing.find('process orders')!;
    const producers = tracing.findAll('publish orders');
    expect(batch.attributes['messaging.batch.message_count']).toBe(4);
    expect(batch.links.map((l) => l.spanId).sort()).toEqual(producers.map((p) => p.spanId).sort());
  });
});

describe('hostile headers (property)', () => {
  const value = fc.oneof(
    fc.string(),
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.array(fc.oneof(fc.string(), fc.integer())),
    fc.integer(),
    fc.constant(null),
    fc.object(),
  );
  const headers = fc.oneof(
    fc.dictionary(fc.constantFrom('traceparent', 'TraceParent', 'tracestate', 'baggage', 'x'), value),
    fc.anything(),
  );

  it('never throw, always run the handler once, and give a valid span context', () => {
    fc.assert(
      fc.property(headers, (h) => {
        let runs = 0;
        const out = traceConsume(info, h, (span) => {
          runs++;
          return span.spanContext().traceId;
        });
        expect(runs).toBe(1);
        expect(out).toMatch(/^[0-9a-f]{32}$/);
      }),
      { numRuns: 500 },
    );
  });

  it('a Proxy whose every trap throws is a message with no headers', () => {
    const hostile = new Proxy({}, { get: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } });
    expect(traceConsume(info, hostile, () => 'handled')).toBe('handled');
    expect(tracing.find('process orders')).toMatchObject({ parentSpanId: undefined });
  });
});

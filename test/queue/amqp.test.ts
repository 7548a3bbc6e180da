// RabbitMQ for real (127.0.0.1:5672): amqplib 0.10 and 2.x, promise and callback APIs.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { withSpan } from '../../src/index.js';
import { SETTLEMENT_ATTRIBUTE, traceAmqpChannel } from '../../src/instrumentations/queue/index.js';
import { until } from '../helpers/until.js';
import { setupTestTracing, type PlainSpan } from '../../src/testing/index.js';
import { runNode } from '../helpers/child.js';

const require = createRequire(import.meta.url);
const URL = 'amqp://guest:guest@127.0.0.1:5672';
const tracing = setupTestTracing({ serviceName: 'amqp' });
beforeEach(() => tracing.reset());
afterAll(() => tracing.shutdown());

type Msg = { content: Buffer; fields: { deliveryTag: number; redelivered: boolean }; properties: { headers?: Record<string, unknown>; messageId?: string } };
type Channel = {
  assertQueue(q: string, o?: object): Promise<unknown>;
  deleteQueue(q: string): Promise<unknown>;
  publish(ex: string, rk: string, c: Buffer, o?: object): boolean;
  sendToQueue(q: string, c: Buffer, o?: object): boolean;
  consume(q: string, cb: (m: Msg | null) => unknown, o?: object): Promise<{ consumerTag: string }>;
  cancel(tag: string): Promise<unknown>;
  ack(m: Msg, allUpTo?: boolean): void;
  nack(m: Msg, allUpTo?: boolean, requeue?: boolean): void;
  ackAll(): void;
  prefetch(n: number): Promise<unknown>;
  close(): Promise<void>;
};
type Connection = { createChannel(): Promise<Channel>; createConfirmChannel(): Promise<Channel & { waitForConfirms(): Promise<void> }>; close(): Promise<void> };


const consumerSpans = (queue: string) => tracing.spans().filter((s) => s.name === `process ${queue}`);

describe.each([
  ['amqplib 0.10', 'amqplib'],
  ['amqplib 2.x', 'amqplib2'],
])('%s (promise API)', (_label, pkg) => {
  const amqp = require(pkg) as { connect(url: string): Promise<Connection> };
  let conn: Connection;
  let ch: Channel;
  let queue: string;

  beforeEach(async () => {
    conn ??= await amqp.connect(URL);
    ch = traceAmqpChannel(await conn.createChannel());
    queue = `tracelight-test-${randomUUID()}`;
    await ch.assertQueue(queue, { durable: false, autoDelete: false });
    return async () => {
      await ch.deleteQueue(queue).catch(() => undefined);
      await ch.close().catch(() => undefined);
    };
  });
  afterAll(async () => conn?.close());

  it('the consumer span continues the producer span (child and link), with its baggage; the user\'s headers and options are kept, not mutated', async () => {
    const seen: Array<{ baggage?: string; active?: string }> = [];
    await ch.consume(queue, (m) => {
      if (m === null) return;
      seen.push({ baggage: propagation.getBaggage(context.active())?.getEntry('tenant')?.value, active: trace.getActiveSpan()?.spanContext().spanId });
      ch.ack(m);
    });
    const options = { headers: { 'x-own': 'mine' }, messageId: 'm-1', correlationId: 'c-1' };
    const frozen = JSON.stringify(options);
    let returned: boolean | undefined;
    const bag = propagation.createBaggage({ tenant: { value: 'acme' } });
    await context.with(propagation.setBaggage(context.active(), bag), () =>
      withSpan('GET /order', { kind: SpanKind.SERVER }, () => {
        returned = ch.sendToQueue(queue, Buffer.from('hello'), options);
      }),
    );
    expect(returned).toBe(true);
    expect(JSON.stringify(options)).toBe(frozen);
    const consumer = await until(() => consumerSpans(queue)[0], 'the consumer span');
    const producer = tracing.find(`publish ${queue}`)!;
    const server = tracing.find('GET /order')!;
    expect(producer).toMatchObject({
      kind: 'producer',
      parentSpanId: server.spanId,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.destination.name': queue,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
        'messaging.message.id': 'm-1',
        'messaging.message.conversation_id': 'c-1',
        'messaging.message.body.size': 5,
        'messaging.rabbitmq.destination.routing_key': queue,
      },
    });
    expect(consumer).toMatchObject({
      kind: 'consumer',
      traceId: server.traceId,
      parentSpanId: producer.spanId,
      parentIsRemote: true,
      links: [{ traceId: producer.traceId, spanId: producer.spanId }],
      attributes: { 'messaging.operation.type': 'process', 'messaging.message.id': 'm-1', [SETTLEMENT_ATTRIBUTE]: 'ack' },
    });
    expect(consumer.events.map((e) => e.name)).toEqual(['ack']);
    expect(seen).toEqual([{ baggage: 'acme', active: consumer.spanId }]);
  });

  it('a message published outside any span starts a trace at its producer span', async () => {
    await ch.consume(queue, (m) => m && ch.ack(m));
    ch.publish('', queue, Buffer.from('x'));
    const consumer = await until(() => consumerSpans(queue)[0], 'the consumer span');
    const producer = tracing.find(`publish ${queue}`)!;
    expect(producer.parentSpanId).toBeUndefined();
    expect(consumer).toMatchObject({ traceId: producer.traceId, parentSpanId: producer.spanId });
  });

  it('a redelivery after nack is a second consumer span linked to the same producer', async () => {
    await ch.consume(queue, (m) => m && (m.fields.redelivered ? ch.ack(m) : ch.nack(m, false, true)));
    await withSpan('job', () => ch.sendToQueue(queue, Buffer.from('x')));
    const [first, second] = await until(() => (consumerSpans(queue).length === 2 ? consumerSpans(queue) : undefined), 'two deliveries');
    const producer = tracing.find(`publish ${queue}`)!;
    for (const span of [first!, second!]) expect(span).toMatchObject({ parentSpanId: producer.spanId, links: [{ spanId: producer.spanId }] });
    expect(first!.attributes[SETTLEMENT_ATTRIBUTE]).toBe('nack');
    expect(first!.events[0]).toMatchObject({ name: 'nack', attributes: { 'messaging.rabbitmq.requeue': true } });
    expect(second!.attributes[SETTLEMENT_ATTRIBUTE]).toBe('ack');
  });

  it('1,000 messages in flight never mix contexts: every consumer span and its child checked', async () => {
    await ch.prefetch(200);
    const N = 1000;
    await ch.consume(queue, async (m) => {
      if (m === null) return;
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      await withSpan('work', async () => {
        await new Promise((r) => setImmediate(r));
      });
      ch.ack(m);
    });
    const producers = new Map<string, string>(); // messageId -> producer span id
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        withSpan(`request ${i}`, async (span) => {
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          ch.sendToQueue(queue, Buffer.from(String(i)), { messageId: `m${i}` });
          producers.set(`m${i}`, span.spanContext().spanId);
        }),
      ),
    );
    await until(() => (tracing.findAll('work').length === N ? true : undefined), `${N} work spans`, 30_000);
    const spans = tracing.spans();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const consumers = spans.filter((s) => s.name === `process ${queue}`);
    expect(consumers).toHaveLength(N);
    for (const c of consumers) {
      const producer = byId.get(c.parentSpanId!)!;
      expect(producer.name).toBe(`publish ${queue}`);
      expect(producer.parentSpanId).toBe(producers.get(c.attributes['messaging.message.id'] as string));
    }
    const consumerIds = new Set(consumers.map((c) => c.spanId));
    const works = tracing.findAll('work');
    for (const w of works) expect(consumerIds.has(w.parentSpanId!)).toBe(true);
    expect(new Set(works.map((w) => w.parentSpanId)).size).toBe(N);
  }, 60_000);

  it('invalid or foreign headers start a new trace; a Buffer traceparent is read; the user\'s own traceparent wins', async () => {
    await ch.consume(queue, (m) => m && ch.ack(m));
    const foreignTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    ch.sendToQueue(queue, Buffer.from('a'), { messageId: 'garbage', headers: { traceparent: 'not-a-traceparent', tracestate: Buffer.alloc(40_000, 'a'), baggage: [1, { x: 2 }] } });
    ch.sendToQueue(queue, Buffer.from('b'), { messageId: 'buffer', headers: { traceparent: Buffer.from(`00-${foreignTrace}-00f067aa0ba902b7-01`) } });
    const consumers = await until(() => (consumerSpans(queue).length === 2 ? consumerSpans(queue) : undefined), 'two consumer spans');
    const byMessage = (id: string) => consumers.find((c) => c.attributes['messaging.message.id'] === id)!;
    expect(byMessage('garbage')).toMatchObject({ parentSpanId: undefined, links: [] });
    expect(byMessage('buffer')).toMatchObject({ traceId: foreignTrace, parentSpanId: '00f067aa0ba902b7' });
  });

  it('a consumer cancelled by the broker gets its null message; confirm channels confirm; wrapping twice changes nothing', async () => {
    const got: unknown[] = [];
    await ch.consume(queue, (m) => got.push(m));
    const other = await conn.createChannel();
    await other.deleteQueue(queue);
    await until(() => (got.length === 1 ? true : undefined), 'the null message');
    expect(got).toEqual([null]);
    await other.close();

    const confirm = traceAmqpChannel(traceAmqpChannel(await conn.createConfirmChannel()));
    const q2 = `tracelight-test-${randomUUID()}`;
    await confirm.assertQueue(q2, { durable: false });
    const acked = await new Promise<unknown>((resolve) => (confirm as unknown as { sendToQueue(q: string, c: Buffer, o: object, cb: (err: unknown) => void): boolean }).sendToQueue(q2, Buffer.from('c'), {}, resolve));
    expect(acked).toBeNull();
    await confirm.waitForConfirms();
    expect(tracing.findAll(`publish ${q2}`)).toHaveLength(1);
    await confirm.deleteQueue(q2);
    await confirm.close();
  });
});

describe('amqplib callback API (0.10 and 2.x)', () => {
  it.each(['amqplib/callback_api', 'amqplib2/callback_api'])('%s: publish and consume are traced, callbacks and return values unchanged', async (pkg) => {
    const api = require(pkg) as { connect(url: string, cb: (err: unknown, c: { createChannel(cb: (err: unknown, ch: Record<string, Function>) => void): void; close(cb?: () => void): void }) => void): void };
    const conn = await new Promise<{ createChannel(cb: (err: unknown, ch: Record<string, Function>) => void): void; close(cb?: () => void): void }>((resolve, reject) => api.connect(URL, (err, c) => (err ? reject(err) : resolve(c))));
    const ch = traceAmqpChannel(await new Promise<Record<string, Function>>((resolve, reject) => conn.createChannel((err, c) => (err ? reject(err) : resolve(c)))));
    const queue = `tracelight-test-${randomUUID()}`;
    await new Promise((resolve, reject) => ch['assertQueue']!(queue, { durable: false }, (err: unknown, ok: unknown) => (err ? reject(err) : resolve(ok))));
    const delivered = new Promise<PlainSpan | undefined>((resolve) =>
      ch['consume']!(queue, (m: Msg | null) => {
        if (m === null) return; // cancelled when the queue is deleted at the end
        ch['ack']!(m);
        resolve(undefined);
      }, {}, () => undefined),
    );
    const returned = withSpan('cb', () => ch['sendToQueue']!(queue, Buffer.from('x')));
    expect(returned).toBe(true);
    await delivered;
    const consumer = await until(() => consumerSpans(queue)[0], 'the consumer span');
    const producer = tracing.find(`publish ${queue}`)!;
    expect(consumer).toMatchObject({ parentSpanId: producer.spanId, traceId: tracing.find('cb')!.traceId });
    await new Promise((resolve) => ch['deleteQueue']!(queue, {}, resolve));
    await new Promise<void>((resolve) => conn.close(() => resolve()));
  });
});

describe('across processes', () => {
  it('a consumer in another process continues the trace of the message it receives', async () => {
    const amqp = require('amqplib') as { connect(url: string): Promise<Connection> };
    const conn = await amqp.connect(URL);
    const ch = traceAmqpChannel(await conn.createChannel());
    const queue = `tracelight-test-${randomUUID()}`;
    await ch.assertQueue(queue, { durable: false });
    await withSpan('producer process', () => ch.sendToQueue(queue, Buffer.from('x'), { messageId: 'cross' }));
    const result = await runNode('amqp-consumer.mjs', [URL, queue], { timeoutMs: 20_000 });
    expect(result.stderr).toBe('');
    const child = JSON.parse(result.stdout.trim().split('\n').pop()!) as PlainSpan;
    const producer = tracing.find(`publish ${queue}`)!;
    expect(child).toMatchObject({ name: `process ${queue}`, traceId: producer.traceId, parentSpanId: producer.spanId, parentIsRemote: true });
    await ch.deleteQueue(queue);
    await conn.close();
  });
});

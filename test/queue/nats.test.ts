// NATS for real (127.0.0.1:4222): @nats-io/transport-node 3.x and nats 2.x.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { withSpan } from '../../src/index.js';
import { traceConsume, traceNats, type NatsHeaders } from '../../src/instrumentations/queue/index.js';
import { until } from '../helpers/until.js';
import { setupTestTracing } from '../../src/testing/index.js';

const require = createRequire(import.meta.url);
const tracing = setupTestTracing({ serviceName: 'nats' });
beforeEach(() => tracing.reset());
afterAll(() => tracing.shutdown());

type Msg = { subject: string; data: Uint8Array; headers?: { get(k: string): string }; respond(data?: unknown, opts?: object): boolean; string(): string };
type Sub = AsyncIterable<Msg> & { unsubscribe(): void };
type Conn = {
  publish(subject: string, data?: unknown, opts?: object): void;
  request(subject: string, data?: unknown, opts?: object): Promise<Msg>;
  subscribe(subject: string, opts?: { callback?: (err: unknown, msg: Msg) => void; max?: number }): Sub;
  flush(): Promise<void>;
  close(): Promise<void>;
};
type Client = { connect(o: object): Promise<Conn>; headers(): NatsHeaders & { get(k: string): string } };


describe.each([
  ['@nats-io/transport-node 3.x', '@nats-io/transport-node'],
  ['nats 2.x', 'nats'],
])('%s', (_label, pkg) => {
  const client = require(pkg) as Client;
  let nc: Conn;
  beforeEach(async () => {
    nc = traceNats(await client.connect({ servers: '127.0.0.1:4222' }), { headers: client.headers });
    return () => nc.close();
  });

  it('publish and a callback subscription: the consumer continues the publisher, with baggage; the user\'s headers are kept', async () => {
    const subject = `tracelight.${randomUUID()}`;
    const seen: Array<{ own?: string; baggage?: string; active?: string }> = [];
    nc.subscribe(subject, {
      callback: (_err, msg) => {
        seen.push({ own: msg.headers?.get('x-own'), baggage: propagation.getBaggage(context.active())?.getEntry('k')?.value, active: trace.getActiveSpan()?.spanContext().spanId });
      },
    });
    const own = client.headers();
    own.set('x-own', 'mine');
    const bag = propagation.createBaggage({ k: { value: 'v' } });
    await context.with(propagation.setBaggage(context.active(), bag), () => withSpan('http request', async () => nc.publish(subject, 'hello', { headers: own })));
    expect(own.keys()).toEqual(['x-own']); // not mutated
    await nc.flush();
    const consumer = await until(() => tracing.find(`process ${subject}`), 'the consumer span');
    const producer = tracing.find(`publish ${subject}`)!;
    expect(producer).toMatchObject({ kind: 'producer', parentSpanId: tracing.find('http request')!.spanId, attributes: { 'messaging.system': 'nats', 'messaging.message.body.size': 5 } });
    expect(consumer).toMatchObject({ kind: 'consumer', traceId: producer.traceId, parentSpanId: producer.spanId, links: [{ spanId: producer.spanId }] });
    await until(() => (seen.length === 1 ? true : undefined), 'the callback');
    expect(seen).toEqual([{ own: 'mine', baggage: 'v', active: consumer.spanId }]);
  });

  it('request and respond: the request span lasts until the reply; the reply continues the responder', async () => {
    const subject = `tracelight.${randomUUID()}`;
    nc.subscribe(subject, { callback: (_err, msg) => msg.respond(`re:${msg.string()}`) });
    await nc.flush();
    const reply = await withSpan('caller', () => nc.request(subject, 'ping', { timeout: 5000 }));
    expect(reply.string()).toBe('re:ping');
    const request = tracing.find(`request ${subject}`)!;
    const responder = await until(() => tracing.find(`process ${subject}`), 'the responder span');
    const replySpan = tracing.find('publish (temporary)')!;
    expect(request).toMatchObject({ kind: 'producer', parentSpanId: tracing.find('caller')!.spanId });
    expect(responder.parentSpanId).toBe(request.spanId);
    expect(replySpan).toMatchObject({ parentSpanId: responder.spanId, attributes: { 'messaging.destination.temporary': true } });
    expect(request.durationMs).toBeGreaterThanOrEqual(responder.durationMs);
  });

  it('an async-iterator subscription is traced with traceConsume around the loop body', async () => {
    const subject = `tracelight.${randomUUID()}`;
    const sub = nc.subscribe(subject, { max: 2 });
    const done = (async () => {
      for await (const m of sub) await traceConsume({ system: 'nats', destination: m.subject }, m.headers, () => undefined);
    })();
    await withSpan('producer', () => {
      nc.publish(subject, 'a');
      nc.publish(subject);
    });
    await done;
    const producers = tracing.findAll(`publish ${subject}`);
    const consumers = tracing.findAll(`process ${subject}`);
    expect(consumers.map((c) => c.parentSpanId).sort()).toEqual(producers.map((p) => p.spanId).sort());
  });

  it('a message without headers from an untraced publisher starts a new trace; return values are unchanged', async () => {
    const subject = `tracelight.${randomUUID()}`;
    const raw = await client.connect({ servers: '127.0.0.1:4222' });
    let received = 0;
    nc.subscribe(subject, { callback: () => received++ });
    await nc.flush();
    expect(raw.publish(subject, 'x')).toBeUndefined();
    await raw.flush();
    await raw.close();
    await until(() => (received === 1 ? true : undefined), 'the message');
    expect(tracing.find(`process ${subject}`)).toMatchObject({ parentSpanId: undefined, links: [] });
    expect(nc.publish(subject, 'y')).toBeUndefined();
  });
});

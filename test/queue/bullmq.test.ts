// BullMQ's own OpenTelemetry integration (bullmq-otel) under tracelight's provider, with the real
// Redis (127.0.0.1:6379): the job's producer and consumer spans join the caller's trace, and
// withSpan() in the job processor is a child of BullMQ's consumer span. No code of ours involved.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { withSpan } from '../../src/index.js';
import { setupTestTracing } from '../../src/testing/index.js';
import { until } from '../helpers/until.js';

const require = createRequire(import.meta.url);
const tracing = setupTestTracing({ serviceName: 'bullmq' });
beforeEach(() => tracing.reset());
afterAll(() => tracing.shutdown());

describe('BullMQ with bullmq-otel', () => {
  it('one trace from the request through the job to the work inside it', async () => {
    const { Queue, Worker } = require('bullmq');
    const { BullMQOtel } = require('bullmq-otel');
    const IORedis = require('ioredis');
    const connection = new IORedis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    const name = `tracelight-${randomUUID()}`;
    const telemetry = new BullMQOtel({ tracerName: 'bullmq' });
    const queue = new Queue(name, { connection, telemetry });
    let processed = false;
    const worker = new Worker(name, async () => withSpan('send email', async () => void (processed = true)), { connection, telemetry });
    try {
      await withSpan('POST /signup', () => queue.add('welcome', { to: 'a@example.com' }));
      await until(() => (processed ? true : undefined), 'the job');
      const consumer = await until(() => tracing.spans().find((s) => s.kind === 'consumer' && s.name === `process ${name}`), 'the consumer span');
      const request = tracing.find('POST /signup')!;
      const producer = tracing.spans().find((s) => s.kind === 'producer' && s.name === `add ${name}.welcome`)!;
      expect(producer).toMatchObject({ traceId: request.traceId, parentSpanId: request.spanId });
      expect(consumer).toMatchObject({ traceId: request.traceId, parentSpanId: producer.spanId });
      expect(tracing.find('send email')).toMatchObject({ traceId: request.traceId, parentSpanId: consumer.spanId });
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });
});

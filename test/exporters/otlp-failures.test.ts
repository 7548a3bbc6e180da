/**
 * The export path against a collector that is down, hangs, is slow or answers errors: the app
 * keeps running, memory stays bounded, retries follow the OTLP specification, diag gets one
 * message per kind of failure, and spans flow again once the collector is back.
 */
import type { Tracer } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TracelightBatchSpanProcessor } from '../../src/exporters/batch-span-processor.js';
import type { BatchSpanProcessorOptions } from '../../src/exporters/batch-span-processor.js';
import { createOtlpExporter } from '../../src/exporters/otlp.js';
import type { OtlpExporterOptions } from '../../src/exporters/otlp.js';
import { closedPort, OtlpReceiver } from './otlp-receiver.js';
import type { ReceiverBehaviour } from './otlp-receiver.js';
import { captureDiag, setupTracing, sleep, until, watchUnhandledRejections } from './helpers.js';
import type { CapturedDiag } from './helpers.js';

const FAST_RETRY = { initialBackoffMillis: 20, maxBackoffMillis: 80, maxRetries: 3 };

let diag: CapturedDiag;
let rejections: ReturnType<typeof watchUnhandledRejections>;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(() => {
  diag = captureDiag();
  rejections = watchUnhandledRejections();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  diag.stop();
  rejections.stop();
  expect(rejections.reasons).toEqual([]);
});

async function receiver(behaviour: ReceiverBehaviour, port?: number): Promise<OtlpReceiver> {
  const r = await OtlpReceiver.start({ behaviour, ...(port === undefined ? {} : { port }) });
  cleanups.push(() => r.close());
  return r;
}

function pipeline(exporterOptions: OtlpExporterOptions, processorOptions: BatchSpanProcessorOptions = {}) {
  const exporter = createOtlpExporter({ retry: FAST_RETRY, timeoutMillis: 2000, ...exporterOptions });
  const processor = new TracelightBatchSpanProcessor(exporter, {
    scheduledDelayMillis: 10,
    maxQueueSize: 200,
    maxExportBatchSize: 50,
    exportTimeoutMillis: 3000,
    ...processorOptions,
  });
  let ended = 0;
  const counter: SpanProcessor = {
    onStart: () => undefined,
    onEnd: () => void ended++,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const tracing = setupTracing([counter, processor]);
  cleanups.push(async () => {
    await tracing.close();
    // After every fault and the shutdown: each span is in exactly one counter, none is queued.
    const s = processor.stats();
    expect(s.exported + s.droppedQueueFull + s.droppedExportFailed + s.droppedShutdown + s.queueDepth).toBe(ended);
    expect(s.queueDepth).toBe(0);
  });
  return { exporter, processor, tracer: tracing.tracer };
}

/**
 * The app: creates `count` spans (a parent and a child each), yielding to the event loop every
 * 100 so timers and sockets run. Returns how many iterations completed.
 */
async function appLoop(tracer: Tracer, count: number): Promise<number> {
  let done = 0;
  for (let i = 0; i < count; i++) {
    tracer.startActiveSpan('request', (span) => {
      tracer.startSpan('work').end();
      span.end();
    });
    done++;
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  return done;
}

function messagesMatching(pattern: RegExp): string[] {
  return diag.ours().filter((m) => pattern.test(m));
}

describe('collector down (connection refused)', () => {
  it('keeps the app running, bounds memory, retries a bounded number of times, reports once, recovers', async () => {
    const port = await closedPort();
    const { processor, exporter, tracer } = pipeline({ endpoint: `http://127.0.0.1:${port}` });

    expect(await appLoop(tracer, 5000)).toBe(5000);
    await until(() => processor.stats().exportFailures >= 2, 'two failed exports');
    expect(await appLoop(tracer, 2000)).toBe(2000);

    const stats = processor.stats();
    expect(stats.queueDepth).toBeLessThanOrEqual(200 + 50); // the queue and the batch in flight
    expect(stats.droppedQueueFull).toBeGreaterThan(10_000);
    expect(stats.exported).toBe(0);
    // Connection refused is retryable: every failed export was retried, at most maxRetries times.
    expect(stats.retries).toBeGreaterThanOrEqual(stats.exportFailures * FAST_RETRY.maxRetries - FAST_RETRY.maxRetries);
    expect(stats.retries).toBeLessThanOrEqual((stats.exportFailures + 1) * FAST_RETRY.maxRetries);
    expect(stats.droppedExportFailed).toBe(stats.exportFailures * 50);

    // One message for the refused connection, one for the full queue: no storm.
    const refused = messagesMatching(/connection refused/);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toContain(exporter.url);
    expect(refused[0]).toContain('change the endpoint given to createOtlpExporter()');
    expect(messagesMatching(/queue is full/)).toHaveLength(1);
    expect(diag.ours()).toHaveLength(2);

    // The collector comes back on the same port: spans flow again without a restart.
    const back = await receiver({ type: 'ok' }, port);
    await until(() => processor.stats().exported > 0, 'an export after recovery', 15_000);
    await appLoop(tracer, 100);
    await processor.forceFlush();
    const after = processor.stats();
    expect(after.exported).toBeGreaterThanOrEqual(200);
    expect(back.requests.every((r) => r.schemaError === null)).toBe(true);
    expect(messagesMatching(/works again/)).toHaveLength(1);

    // Everything created is accounted for, once nothing is in flight.
    const total = 2 * (5000 + 2000 + 100);
    expect(after.exported + after.droppedQueueFull + after.droppedExportFailed + after.queueDepth).toBe(total);
  });

  it('shutdown() returns within its timeout with the collector down', async () => {
    const port = await closedPort();
    const { processor, tracer } = pipeline(
      { endpoint: `http://127.0.0.1:${port}`, retry: { initialBackoffMillis: 200, maxBackoffMillis: 200, maxRetries: 100 }, timeoutMillis: 60_000 },
      { shutdownTimeoutMillis: 500, exportTimeoutMillis: 60_000 },
    );
    await appLoop(tracer, 300);
    const outcome = await Promise.race([processor.shutdown().then(() => 'returned'), sleep(5000).then(() => 'stuck')]);
    expect(outcome).toBe('returned');
  });
});

describe('collector hanging (accepts, never answers)', () => {
  it('times exports out, keeps the app running, reports one timeout, shuts down on time', async () => {
    const hanging = await receiver({ type: 'hang' });
    const { processor, tracer } = pipeline({ tracesEndpoint: hanging.tracesUrl, timeoutMillis: 200 }, { exportTimeoutMillis: 1000 });

    expect(await appLoop(tracer, 3000)).toBe(3000);
    await until(() => processor.stats().exportFailures >= 2, 'two timed-out exports');
    expect(await appLoop(tracer, 1000)).toBe(1000);

    const stats = processor.stats();
    expect(stats.queueDepth).toBeLessThanOrEqual(200 + 50); // the queue and the batch in flight
    expect(stats.droppedQueueFull).toBeGreaterThan(0);
    expect(stats.exported).toBe(0);
    // At most one export in flight: one request per failed export (a timeout uses the whole budget, no retry).
    expect(hanging.requests.length).toBeLessThanOrEqual(stats.exportFailures + 1);
    expect(messagesMatching(/did not answer within 200 ms/)).toHaveLength(1);
    expect(messagesMatching(/OTEL_EXPORTER_OTLP_TIMEOUT/)).toHaveLength(1);

    const outcome = await Promise.race([processor.shutdown().then(() => 'returned'), sleep(5000).then(() => 'stuck')]);
    expect(outcome).toBe('returned');
  });

  it('the processor abandons an export that outlives exportTimeoutMillis', async () => {
    const hanging = await receiver({ type: 'hang' });
    // The exporter would wait 60 s; the processor gives up 1 s (its grace) after 300 ms.
    const { processor, tracer } = pipeline({ tracesEndpoint: hanging.tracesUrl, timeoutMillis: 60_000 }, { exportTimeoutMillis: 300, shutdownTimeoutMillis: 300 });
    await appLoop(tracer, 25);
    await until(() => processor.stats().exportFailures >= 1, 'an abandoned export');
    expect(processor.stats().droppedExportFailed).toBe(50);
    expect(messagesMatching(/did not finish an export within 1300 ms/)).toHaveLength(1);
    const outcome = await Promise.race([processor.shutdown().then(() => 'returned'), sleep(5000).then(() => 'stuck')]);
    expect(outcome).toBe('returned');
  });
});

describe('slow collector', () => {
  it('gets every span while the app keeps going', async () => {
    const slow = await receiver({ type: 'slow', delayMillis: 100 });
    const { processor, tracer } = pipeline({ tracesEndpoint: slow.tracesUrl }, { maxQueueSize: 10_000, maxExportBatchSize: 500 });
    expect(await appLoop(tracer, 1000)).toBe(1000);
    await processor.forceFlush();
    await until(() => processor.stats().queueDepth === 0 && processor.stats().exported === 2000, 'all spans exported');
    expect(slow.acceptedSpans()).toHaveLength(2000);
    expect(processor.stats()).toMatchObject({ exportFailures: 0, droppedQueueFull: 0, droppedExportFailed: 0, retries: 0 });
    expect(diag.ours()).toEqual([]);
  });
});

describe('HTTP errors, per the OTLP specification', () => {
  it('does not retry 500 (nor 400); reports each status once', async () => {
    const failing = await receiver({ type: 'status', status: 500 });
    const { processor, tracer } = pipeline({ tracesEndpoint: failing.tracesUrl });
    for (let round = 0; round < 3; round++) {
      await appLoop(tracer, 25);
      await processor.forceFlush();
    }
    failing.behave({ type: 'status', status: 400 });
    await appLoop(tracer, 25);
    await processor.forceFlush();
    const stats = processor.stats();
    expect(stats.exportFailures).toBe(4);
    expect(failing.requests).toHaveLength(4);
    expect(stats.retries).toBe(0);
    expect(messagesMatching(/answered HTTP 500/)).toHaveLength(1);
    expect(messagesMatching(/answered HTTP 400/)).toHaveLength(1);
  });

  it.each([502, 503, 504, 429])('retries %i with exponential backoff, a bounded number of times', async (status) => {
    const failing = await receiver({ type: 'status', status });
    const { processor, tracer } = pipeline({ tracesEndpoint: failing.tracesUrl });
    await appLoop(tracer, 25);
    await processor.forceFlush();
    const stats = processor.stats();
    expect(stats.exportFailures).toBe(1);
    expect(stats.retries).toBe(FAST_RETRY.maxRetries);
    expect(failing.requests).toHaveLength(FAST_RETRY.maxRetries + 1);
    expect(messagesMatching(/overloaded or unavailable/)).toHaveLength(1);
  });

  it.each([429, 503])('honours Retry-After on %i, then delivers', async (status) => {
    const times: number[] = [];
    const flaky = await receiver({ type: 'ok' });
    flaky.behave((index) => {
      times.push(Date.now());
      return index === 0 ? { type: 'status', status, retryAfter: '1' } : { type: 'ok' };
    });
    const { processor, tracer } = pipeline({ tracesEndpoint: flaky.tracesUrl, timeoutMillis: 5000 });
    await appLoop(tracer, 25);
    await processor.forceFlush();
    expect(flaky.requests.map((r) => r.answer)).toEqual([status, 200]);
    // The second attempt waited for Retry-After (1 s), not the 20 ms backoff.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    expect(processor.stats()).toMatchObject({ exported: 50, exportFailures: 0, retries: 1 });
    expect(diag.ours()).toEqual([]);
  });

  it('gives up at once when Retry-After exceeds the export time budget', async () => {
    const busy = await receiver({ type: 'status', status: 503, retryAfter: '120' });
    const { processor, tracer } = pipeline({ tracesEndpoint: busy.tracesUrl, timeoutMillis: 2000 });
    await appLoop(tracer, 25);
    await processor.forceFlush();
    expect(busy.requests).toHaveLength(1);
    expect(processor.stats()).toMatchObject({ exportFailures: 1, retries: 0, droppedExportFailed: 50 });
  });

  it('reports each outage once, and the recovery once', async () => {
    const flaky = await receiver({ type: 'status', status: 500 });
    const { processor, tracer } = pipeline({ tracesEndpoint: flaky.tracesUrl });
    const batch = async (): Promise<void> => {
      await appLoop(tracer, 25);
      await processor.forceFlush();
    };
    await batch();
    await batch();
    flaky.behave({ type: 'ok' });
    await batch();
    await batch();
    flaky.behave({ type: 'status', status: 500 });
    await batch();
    await batch();
    expect(diag.ours().map((m) => (/HTTP 500/.test(m) ? 'failed' : /works again/.test(m) ? 'recovered' : m))).toEqual([
      'failed',
      'recovered',
      'failed',
    ]);
    expect(processor.stats()).toMatchObject({ exported: 100, exportFailures: 4 });
  });
});

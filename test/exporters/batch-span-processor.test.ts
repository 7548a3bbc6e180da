import { context, trace, TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, isTracingSuppressed } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { AlwaysOffSampler, TracerProvider as BasicTracerProvider, InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TracelightBatchSpanProcessor } from '../../src/exporters/batch-span-processor.js';
import { captureDiag, setupTracing, sleep, until, watchUnhandledRejections } from './helpers.js';
import type { CapturedDiag } from './helpers.js';

/** An exporter whose calls the test settles by hand; records concurrency. */
class ManualExporter implements SpanExporter {
  calls: { spans: ReadableSpan[]; done: (r: ExportResult) => void; suppressed: boolean }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  shutdowns = 0;
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.calls.push({
      spans,
      suppressed: isTracingSuppressed(context.active()),
      done: (r) => {
        this.inFlight--;
        done(r);
      },
    });
  }
  shutdown(): Promise<void> {
    this.shutdowns++;
    return new Promise(() => undefined); // never settles, like a hung network call
  }
}

let diag: CapturedDiag;
let rejections: ReturnType<typeof watchUnhandledRejections>;
let close: (() => Promise<void>) | undefined;

beforeEach(() => {
  diag = captureDiag();
  rejections = watchUnhandledRejections();
});

afterEach(async () => {
  await close?.();
  close = undefined;
  diag.stop();
  rejections.stop();
  expect(rejections.reasons).toEqual([]);
});

function start(exporter: SpanExporter, options: ConstructorParameters<typeof TracelightBatchSpanProcessor>[1] = {}) {
  const processor = new TracelightBatchSpanProcessor(exporter, { scheduledDelayMillis: 10, shutdownTimeoutMillis: 100, ...options });
  const tracing = setupTracing([processor]);
  close = async () => {
    await Promise.race([tracing.close(), sleep(2000)]);
  };
  return { processor, tracer: tracing.tracer };
}

describe('TracelightBatchSpanProcessor', () => {
  it('exports in batches of maxExportBatchSize, one export at a time, with tracing suppressed', async () => {
    const exporter = new ManualExporter();
    const { processor, tracer } = start(exporter, { maxExportBatchSize: 10, maxQueueSize: 100 });
    // Fake timers: no timer of the processor may start a second export while the first is out.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    try {
      for (let i = 0; i < 35; i++) tracer.startSpan(`s${i}`).end();
      expect(exporter.calls).toHaveLength(1); // handed over in the end() that filled the batch
      vi.advanceTimersByTime(10_000); // 1 000 × scheduledDelayMillis, within the export timeout
      expect(exporter.calls).toHaveLength(1); // the second waits for the first
    } finally {
      vi.useRealTimers();
    }
    for (let k = 0; k < 4; k++) {
      await until(() => exporter.calls.length === k + 1, `export ${k + 1}`);
      exporter.calls[k]!.done({ code: ExportResultCode.SUCCESS });
    }
    await until(() => processor.stats().exported === 35, 'all exported');
    expect(exporter.calls.map((c) => c.spans.length)).toEqual([10, 10, 10, 5]);
    expect(exporter.calls.flatMap((c) => c.spans.map((s) => s.name))).toEqual(Array.from({ length: 35 }, (_, i) => `s${i}`));
    expect(exporter.maxInFlight).toBe(1);
    expect(exporter.calls.every((c) => c.suppressed)).toBe(true);
    expect(processor.stats()).toEqual({
      exported: 35,
      exportFailures: 0,
      retries: 0,
      droppedQueueFull: 0,
      droppedExportFailed: 0,
      droppedShutdown: 0,
      queueDepth: 0,
    });
  });

  it('drops beyond maxQueueSize and counts it, reporting once', async () => {
    const exporter = new ManualExporter();
    const { processor, tracer } = start(exporter, { maxExportBatchSize: 10, maxQueueSize: 20 });
    for (let i = 0; i < 500; i++) tracer.startSpan('s').end();
    await until(() => exporter.calls.length === 1, 'first export');
    // The 10th span handed the first batch to the (stuck) exporter at once; 20 more filled the
    // queue; queueDepth counts both, as neither is exported nor dropped yet.
    expect(exporter.calls[0]!.spans).toHaveLength(10);
    expect(processor.stats()).toMatchObject({ queueDepth: 30, droppedQueueFull: 470 });
    expect(diag.ours().filter((m) => m.includes('queue is full'))).toHaveLength(1);
    exporter.calls[0]!.done({ code: ExportResultCode.SUCCESS });
  });

  it('counts a failed export and its spans, and reports it once per kind', async () => {
    const exporter = new ManualExporter();
    const { processor, tracer } = start(exporter, { maxExportBatchSize: 5 });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) tracer.startSpan('s').end();
      await until(() => exporter.calls.length === round + 1, 'an export');
      exporter.calls[round]!.done({ code: ExportResultCode.FAILED, error: Object.assign(new Error('boom'), { code: 'EBOOM' }) });
    }
    await until(() => processor.stats().exportFailures === 3, 'three failures');
    expect(processor.stats()).toMatchObject({ exported: 0, droppedExportFailed: 15 });
    expect(diag.ours()).toHaveLength(1);
    expect(diag.ours()[0]).toContain('boom');
  });

  it('survives an exporter that throws or calls back twice', async () => {
    let calls = 0;
    const exporter: SpanExporter = {
      export(_spans, done) {
        calls++;
        if (calls === 1) throw new Error('exporter bug');
        done({ code: ExportResultCode.SUCCESS });
        done({ code: ExportResultCode.FAILED });
      },
      shutdown: () => Promise.resolve(),
    };
    const { processor, tracer } = start(exporter, { maxExportBatchSize: 2 });
    tracer.startSpan('a').end();
    tracer.startSpan('b').end();
    await until(() => processor.stats().exportFailures === 1, 'the throwing export');
    tracer.startSpan('c').end();
    tracer.startSpan('d').end();
    await until(() => processor.stats().exported === 2, 'the next export');
    // The second (FAILED) callback came in the same export() call: it is already ignored.
    expect(processor.stats()).toMatchObject({ exported: 2, exportFailures: 1, droppedExportFailed: 2 });
  });

  it('forceFlush exports everything queued, without waiting for the timer', async () => {
    const memory = new InMemorySpanExporter();
    const { processor, tracer } = start(memory, { scheduledDelayMillis: 60_000, maxExportBatchSize: 100 });
    for (let i = 0; i < 7; i++) tracer.startSpan(`s${i}`).end();
    expect(memory.getFinishedSpans()).toHaveLength(0);
    await processor.forceFlush();
    expect(memory.getFinishedSpans()).toHaveLength(7);
  });

  it('ignores unsampled spans', async () => {
    const memory = new InMemorySpanExporter();
    const processor = new TracelightBatchSpanProcessor(memory, { scheduledDelayMillis: 1 });
    const provider = new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [processor] });
    const span = provider.getTracer('t').startSpan('unsampled');
    expect(span.spanContext().traceFlags & TraceFlags.SAMPLED).toBe(0);
    span.end();
    await processor.forceFlush();
    expect(memory.getFinishedSpans()).toHaveLength(0);
    await provider.shutdown();
  });

  it('shutdown returns within shutdownTimeoutMillis when export and exporter shutdown hang, then ignores spans', async () => {
    const exporter = new ManualExporter();
    const { processor, tracer } = start(exporter, { shutdownTimeoutMillis: 200, exportTimeoutMillis: 60_000 });
    tracer.startSpan('stuck').end();
    await until(() => exporter.calls.length === 1, 'export started');
    const outcome = await Promise.race([processor.shutdown().then(() => 'returned'), sleep(3000).then(() => 'stuck')]);
    expect(outcome).toBe('returned');
    expect(exporter.shutdowns).toBe(1);
    tracer.startSpan('after').end();
    expect(processor.stats().queueDepth).toBe(0);
    expect(await Promise.race([processor.shutdown().then(() => 'same'), sleep(100).then(() => 'stuck')])).toBe('same');
  });
});

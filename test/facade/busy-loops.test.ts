/**
 * Batch jobs: loops of 200 000 spans that never reach the event loop's check phase (awaiting
 * only promises, or not awaiting at all) must export what the exporter can take, as the official
 * SDK does; a slow exporter makes the queue drop and count, never slows the loop down.
 * Every span ends in exactly one counter of stats().
 */
import type { Tracer } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { TracerProvider as BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { init, withSpan } from '../../src/index.js';
import type { TracelightHandle, TracelightStats } from '../../src/index.js';

const SPANS = 200_000;

/** Accepts every batch; answers at once, or after `delayMillis` (a slow collector). */
class CountingExporter implements SpanExporter {
  spans = 0;
  calls = 0;
  delayMillis = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.calls++;
    const accept = (): void => {
      this.spans += spans.length;
      done({ code: ExportResultCode.SUCCESS });
    };
    if (this.delayMillis === 0) accept();
    else setTimeout(accept, this.delayMillis);
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const ours = new CountingExporter();
let handle: TracelightHandle;
let before: TracelightStats;

beforeAll(() => {
  handle = init({ serviceName: 'batch-job', exporter: ours, flushOnExit: false });
});
afterAll(() => handle.shutdown());
beforeEach(async () => {
  await handle.forceFlush();
  ours.delayMillis = 0;
  before = handle.stats();
});

/** What changed in stats() since the test started, with every span accounted for. */
function delta(): { ended: number; exported: number; dropped: number; queued: number } {
  const now = handle.stats();
  const dropped = (s: TracelightStats): number => s.dropped.queueFull + s.dropped.exportFailed + s.dropped.shutdown;
  const out = {
    ended: now.spansEnded - before.spansEnded,
    exported: now.exported - before.exported,
    dropped: dropped(now) - dropped(before),
    queued: now.queueDepth - before.queueDepth,
  };
  expect(out.exported + out.dropped + out.queued).toBe(out.ended);
  return out;
}

/** The official SDK on the same loop shape, for "loses no more than the official SDK". */
function officialTracer(exporter: CountingExporter): { tracer: Tracer; provider: BasicTracerProvider } {
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: exporter })] });
  return { tracer: provider.getTracer('official'), provider };
}

describe('a loop of 200 000 spans', () => {
  it('awaiting only promises (no I/O): every span is exported, none dropped', async () => {
    let sum = 0;
    for (let i = 0; i < SPANS; i++) {
      sum += await withSpan('item', async () => {
        await null;
        return 1;
      });
    }
    expect(sum).toBe(SPANS);
    const exportedDuringLoop = delta().exported;
    await handle.forceFlush();
    expect(delta()).toEqual({ ended: SPANS, exported: SPANS, dropped: 0, queued: 0 });
    // Not saved for the final flush: they went out as the batches filled.
    expect(exportedDuringLoop).toBeGreaterThanOrEqual(SPANS - 512);
  });

  it('yielding with setImmediate every 256 items: every span is exported', async () => {
    for (let i = 0; i < SPANS; i++) {
      withSpan('item', () => i);
      if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
    }
    await handle.forceFlush();
    expect(delta()).toEqual({ ended: SPANS, exported: SPANS, dropped: 0, queued: 0 });
  });

  it('synchronous, never yielding: loses no more than the official SDK (here: nothing, the exporter answers at once)', async () => {
    for (let i = 0; i < SPANS; i++) withSpan('item', () => i);
    await handle.forceFlush();
    const tracelight = delta();

    const official = new CountingExporter();
    const { tracer, provider } = officialTracer(official);
    for (let i = 0; i < SPANS; i++) tracer.startActiveSpan('item', (span) => span.end());
    await provider.forceFlush();
    await provider.shutdown();

    expect(tracelight.ended).toBe(SPANS);
    expect(tracelight.exported).toBeGreaterThanOrEqual(official.spans);
    expect(tracelight.exported).toBe(SPANS);
  });

  it('with a slow exporter (50 ms per batch): spans are dropped and counted, the loop never waits for it', async () => {
    ours.delayMillis = 50;
    const callsBefore = ours.calls;
    for (let i = 0; i < SPANS; i++) {
      await withSpan('item', async () => {
        await null;
      });
    }
    // No timer can fire inside a loop that only awaits promises: had the loop waited for the
    // exporter, it would never have finished. One batch went out; the queue took 2048 more.
    expect(ours.calls - callsBefore).toBe(1);
    const during = delta();
    expect(during.exported).toBe(0);
    expect(during.queued).toBe(512 + 2048);
    expect(during.dropped).toBe(SPANS - 512 - 2048);
    expect(handle.stats().dropped.queueFull - before.dropped.queueFull).toBe(SPANS - 512 - 2048);

    await handle.forceFlush();
    expect(delta()).toEqual({ ended: SPANS, exported: 512 + 2048, dropped: SPANS - 512 - 2048, queued: 0 });
  });
});

import { context, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { TracelightBatchSpanProcessor } from '../../src/exporters/batch-span-processor.js';
import { ConsoleWaterfallExporter } from '../../src/exporters/waterfall/console-waterfall-exporter.js';
import type { ConsoleExporterOptions } from '../../src/exporters/waterfall/console-waterfall-exporter.js';
import { supportsColor, terminalWidth } from '../../src/exporters/waterfall/terminal.js';
import { captureDiag, setupTracing, until } from './helpers.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function start(options: ConsoleExporterOptions = {}) {
  const lines: string[] = [];
  const results: ExportResult[] = [];
  // settleMillis 0: print as soon as a local root ends (the settle wait has its own test).
  const exporter = new ConsoleWaterfallExporter({ write: (line) => lines.push(line), width: 80, color: false, settleMillis: 0, ...options });
  // Record every export result the exporter gives.
  const recording = {
    export: (spans: Parameters<typeof exporter.export>[0], done: (r: ExportResult) => void) =>
      exporter.export(spans, (r) => {
        results.push(r);
        done(r);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush(),
  };
  const tracing = setupTracing([new SimpleSpanProcessor({ exporter: recording })]);
  close = tracing.close;
  return { exporter, lines, results, tracer: tracing.tracer };
}

describe('ConsoleWaterfallExporter', () => {
  it('waits settleMillis after a local root, so several local roots of one trace print as one waterfall', async () => {
    const { lines, tracer } = start({ settleMillis: 40 });
    // A client call and the server span it caused, both in this process: two local roots.
    const client = tracer.startSpan('POST', { kind: SpanKind.CLIENT });
    const remote = trace.setSpanContext(context.active(), { ...client.spanContext(), isRemote: true });
    const server = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER }, remote);
    tracer.startSpan('auth.verify', {}, trace.setSpan(context.active(), server)).end();
    server.end();
    expect(lines).toEqual([]); // a local root ended, but more of the trace may come
    await new Promise((r) => setTimeout(r, 10));
    client.end(); // restarts the wait
    expect(lines).toEqual([]);
    await until(() => lines.length > 0, 'the settled waterfall', 2000);
    expect(lines.filter((l) => l.startsWith('trace '))).toHaveLength(1);
    expect(lines[1]).toMatch(/^POST +client /);
    expect(lines[2]).toMatch(/^└─ POST \/checkout +server /);
    expect(lines[3]).toMatch(/^ {3}└─ auth\.verify /);
  });

  it('prints a trace once, when its local root ends, children included', () => {
    const { lines, tracer, results } = start();
    tracer.startActiveSpan('GET /checkout', { kind: SpanKind.SERVER }, (root) => {
      tracer.startActiveSpan('db.query', (child) => {
        tracer.startSpan('db.connect').end();
        child.end();
      });
      expect(lines).toEqual([]); // children ended, root not yet
      root.end();
    });
    expect(lines[0]).toMatch(/^trace [0-9a-f]{32} {2}checkout-api +total /);
    expect(lines[1]).toMatch(/^GET \/checkout +server /);
    expect(lines[2]).toMatch(/^└─ db\.query /);
    expect(lines[3]).toMatch(/^ {3}└─ db\.connect /);
    expect(lines[4]).toBe('');
    expect(lines).toHaveLength(5);
    expect(results.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true);
  });

  it('treats a span with a remote parent as a local root', () => {
    const { lines, tracer } = start();
    const upstream = trace.setSpanContext(context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    tracer.startSpan('GET /orders', { kind: SpanKind.SERVER }, upstream).end();
    expect(lines[0]).toMatch(/^trace 0af7651916cd43dd8448eb211c80319c /);
    expect(lines[2]).toBe('  ↳ remote parent');
  });

  it('prints a trace whose root never ends after the pending timeout, not losing it', async () => {
    const { lines, tracer, exporter } = start({ pendingTimeoutMillis: 50 });
    tracer.startActiveSpan('never-ends', () => {
      tracer.startSpan('orphan-child').end();
    });
    expect(lines).toEqual([]);
    expect(exporter.stats()).toMatchObject({ pendingTraces: 1, pendingSpans: 1 });
    await until(() => lines.length > 0, 'the timeout print');
    expect(lines[1]).toMatch(/^orphan-child /);
    expect(lines[2]).toBe('  (parent missing)');
    expect(exporter.stats()).toMatchObject({ pendingTraces: 0, pendingSpans: 0, waterfallPrinted: 1 });
  });

  it('bounds the pending buffer and counts what overflows', () => {
    const { tracer, exporter, lines } = start({ maxPendingTraces: 2, maxPendingSpans: 3 });
    const roots = [0, 1, 2].map((i) => tracer.startSpan(`root-${i}`));
    for (const [i, root] of roots.entries()) {
      const ctx = trace.setSpan(context.active(), root);
      tracer.startSpan(`child-${i}-a`, {}, ctx).end();
      tracer.startSpan(`child-${i}-b`, {}, ctx).end();
    }
    // Trace 0 keeps 2 spans, trace 1 gets 1 (span limit 3), trace 2 has no room (trace limit 2).
    expect(exporter.stats()).toMatchObject({ pendingTraces: 2, pendingSpans: 3, waterfallDropped: 3 });
    for (const root of roots) root.end();
    expect(lines.filter((l) => l.startsWith('trace '))).toHaveLength(3);
    expect(lines.filter((l) => l.includes('dropped: waterfall buffer full'))).toEqual([
      '… 1 more span(s) of this trace dropped: waterfall buffer full',
    ]);
    expect(exporter.stats().waterfallDropped).toBe(3);
  });

  it('prints pending traces on forceFlush and shutdown, then ignores spans', async () => {
    const { tracer, exporter, lines } = start();
    tracer.startActiveSpan('open', () => tracer.startSpan('inner').end());
    await exporter.forceFlush();
    expect(lines.filter((l) => l.startsWith('trace '))).toHaveLength(1);
    tracer.startActiveSpan('open-2', () => tracer.startSpan('inner-2').end());
    await exporter.shutdown();
    expect(lines.filter((l) => l.startsWith('trace '))).toHaveLength(2);
    tracer.startSpan('after-shutdown').end();
    expect(lines.filter((l) => l.startsWith('trace '))).toHaveLength(2);
  });

  it('never fails the pipeline, even when write throws (reported once)', async () => {
    const diag = captureDiag();
    try {
      const { tracer, results } = start({
        write: () => {
          throw new Error('EPIPE');
        },
      });
      tracer.startSpan('one').end();
      tracer.startSpan('two').end();
      expect(results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
      expect(diag.ours()).toHaveLength(1);
      expect(diag.ours()[0]).toContain('EPIPE');
    } finally {
      diag.stop();
    }
  });

  it('works behind our batch processor (spans of a trace split across batches)', async () => {
    const lines: string[] = [];
    const exporter = new ConsoleWaterfallExporter({ write: (l) => lines.push(l), width: 60, color: false });
    const processor = new TracelightBatchSpanProcessor(exporter, { maxExportBatchSize: 2, scheduledDelayMillis: 1 });
    const tracing = setupTracing([processor]);
    close = tracing.close;
    tracing.tracer.startActiveSpan('root', (root) => {
      for (let i = 0; i < 5; i++) tracing.tracer.startSpan(`step-${i}`).end();
      root.end();
    });
    await processor.forceFlush();
    expect(lines.filter((l) => l.startsWith('trace '))).toHaveLength(1);
    expect(lines.filter((l) => /step-\d/.test(l))).toHaveLength(5);
  });
});

describe('terminal detection', () => {
  it('follows no-color.org: NO_COLOR non-empty disables colour, empty does not', () => {
    const tty = { isTTY: true, columns: 120 };
    expect(supportsColor(tty, {})).toBe(true);
    expect(supportsColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(supportsColor(tty, { NO_COLOR: 'false' })).toBe(false);
    expect(supportsColor(tty, { NO_COLOR: '' })).toBe(true);
    expect(supportsColor(tty, { TERM: 'dumb' })).toBe(false);
    expect(supportsColor({ isTTY: false }, {})).toBe(false);
    expect(supportsColor({}, {})).toBe(false);
  });

  it('uses the terminal width on a TTY, 80 otherwise', () => {
    expect(terminalWidth({ isTTY: true, columns: 132 })).toBe(132);
    expect(terminalWidth({ isTTY: false, columns: 132 })).toBe(80);
    expect(terminalWidth({ isTTY: true })).toBe(80);
    expect(terminalWidth({})).toBe(80);
  });
});

describe('folding and viewer links', () => {
  it('folds repeated siblings by default, and prints each trace\'s viewer link under its header', () => {
    const { lines, tracer } = start({ viewerUrl: 'http://127.0.0.1:4318' });
    tracer.startActiveSpan('GET /orders', { kind: SpanKind.SERVER }, (root) => {
      for (let i = 0; i < 50; i++) tracer.startSpan('SELECT items', { attributes: { 'db.query.text': 'SELECT 1' } }).end();
      root.end();
    });
    const traceId = lines[0]!.split(' ')[1]!;
    expect(lines[1]).toBe(`view http://127.0.0.1:4318/#/trace/${traceId}`);
    expect(lines[3]).toMatch(/^└─ SELECT items ×50 /);
    expect(lines.join('\n')).toContain('N+1');
    expect(lines.length).toBeLessThanOrEqual(6);
  });

  it('passes collapseRepeated: false through', () => {
    const { lines, tracer } = start({ collapseRepeated: false });
    tracer.startActiveSpan('job', (root) => {
      for (let i = 0; i < 10; i++) tracer.startSpan('tick').end();
      root.end();
    });
    expect(lines.filter((l) => l.includes('tick'))).toHaveLength(10);
  });

  it('ignores a viewerUrl that is not an http(s) URL, and says so once', () => {
    const diag = captureDiag();
    try {
      for (const viewerUrl of ['not a url', 'javascript:alert(1)', 'file:///etc/passwd', 42 as unknown as string]) {
        const { lines, tracer } = start({ viewerUrl });
        tracer.startSpan('one').end();
        expect(lines.some((l) => l.includes('#trace='))).toBe(false);
        expect(lines[1]).toMatch(/^one /);
      }
      expect(diag.ours().filter((m) => m.includes('viewerUrl'))).toHaveLength(1);
      expect(diag.ours()[0]).toContain("viewerUrl must be an http(s) URL such as http://127.0.0.1:4318, or 'auto'");
    } finally {
      diag.stop();
    }
  });
});

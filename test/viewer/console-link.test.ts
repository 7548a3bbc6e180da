/**
 * The console waterfall and the real `tracelight view` agree: the exporter's one check finds a
 * running viewer (however much it holds), and the printed link opens that trace on its page.
 */
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleWaterfallExporter } from '../../src/exporters/waterfall/console-waterfall-exporter.js';
import { setupTracing, until } from '../exporters/helpers.js';
import { startViewer } from './viewer-process.js';
import type { RunningViewer } from './viewer-process.js';

let viewer: RunningViewer;
beforeAll(async () => {
  viewer = await startViewer();
});
afterAll(async () => {
  await viewer?.stop();
});

describe('console waterfall links to a running tracelight view', () => {
  it('detects the viewer, prints a link to the trace, and the link names a trace the viewer serves', async () => {
    const base = viewer.url.replace(/\/$/, '');
    const memory = new InMemorySpanExporter();
    const tracing = setupTracing([new SimpleSpanProcessor({ exporter: memory })]);
    try {
      const lines: string[] = [];
      const exporter = new ConsoleWaterfallExporter({ write: (l) => lines.push(l), width: 100, color: false, settleMillis: 0, viewerUrl: 'auto' }, base);
      // The check is asynchronous: print traces until one carries the link (bounded).
      let traceId = '';
      await until(() => {
        lines.length = 0;
        memory.reset();
        tracing.tracer.startActiveSpan('checkout', (root) => root.end());
        const spans = memory.getFinishedSpans();
        traceId = spans[0]!.spanContext().traceId;
        exporter.export(spans, () => {});
        return lines.length > 1 && lines[1]!.startsWith('view ');
      }, 'the exporter to find the viewer');
      expect(lines[1]).toBe(`view ${base}/#/trace/${traceId}`);
      // The route in the link is the page's own: the page reads #/trace/<id>.
      const page = await fetch(`${base}/app.js`).then((r) => r.text());
      expect(page).toContain("'#/trace/'");
      await exporter.shutdown();
    } finally {
      await tracing.close();
    }
  });
});

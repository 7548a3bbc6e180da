/**
 * One pipeline per process: two copies of tracelight (its ES module and CommonJS builds, or a
 * preload and the app) share one init() and one http instrumentation; with another provider
 * registered first, every span goes to that provider, as the warning says; trace.disable() is
 * honoured by withSpan.
 */
import { diag, trace } from '@opentelemetry/api';
import { TracerProvider as BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureDiag } from '../helpers/capture-diag.js';
import { collectingExporter, freshTracelight } from '../helpers/fresh-tracelight.js';
import type { Api } from '../helpers/fresh-tracelight.js';
import { jsonLines, runNode } from '../helpers/child.js';
import { OtlpReceiver } from '../exporters/otlp-receiver.js';

afterEach(() => diag.disable());

describe('in one process', () => {
  it('with another provider registered first, withSpan and handle.tracer spans go to it, as the warning says', async () => {
    const tl = await freshTracelight();
    const other = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: other })] }));
    const messages = captureDiag();
    const ours = collectingExporter();
    const handle = tl.init({ serviceName: 'second', exporter: ours, flushOnExit: false });
    await tl.withSpan('business', async () => {
      trace.getTracer('some-library').startSpan('library').end();
    });
    handle.tracer.startSpan('via-handle').end();
    await handle.forceFlush();
    expect(ours.spans).toEqual([]);
    const names = other.getFinishedSpans().map((s) => s.name);
    expect(names.sort()).toEqual(['business', 'library', 'via-handle']);
    // One trace: the library span is the child of the withSpan span.
    const business = other.getFinishedSpans().find((s) => s.name === 'business')!;
    const library = other.getFinishedSpans().find((s) => s.name === 'library')!;
    expect(library.parentSpanContext?.spanId).toBe(business.spanContext().spanId);
    expect(messages.filter((m) => m.includes('another OpenTelemetry tracer provider'))).toHaveLength(1);
    expect(messages.find((m) => m.includes('another OpenTelemetry tracer provider'))).toContain("tracelight's exporters get none");
  });

  it('trace.disable() after init(): withSpan stops using its cached tracer, and follows a provider registered later', async () => {
    const tl = await freshTracelight();
    const ours = collectingExporter();
    const handle = tl.init({ serviceName: 'disabled', exporter: ours, flushOnExit: false });
    tl.withSpan('before', () => undefined);
    trace.disable();
    const ran = tl.withSpan('while-disabled', (span) => span.isRecording());
    expect(ran).toBe(false);
    const later = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: later })] }));
    tl.withSpan('after', () => undefined);
    await handle.forceFlush();
    expect(ours.spans.map((s) => s.name)).toEqual(['before']);
    expect(later.getFinishedSpans().map((s) => s.name)).toEqual(['after']);
  });

  it('a second copy of the module (as its other build would be) gets the first init() handle and shares withSpan', async () => {
    const first = await freshTracelight();
    const ours = collectingExporter();
    const handle = first.init({ serviceName: 'first', exporter: ours, flushOnExit: false });
    vi.resetModules(); // a second copy, with the process-wide state kept
    const second = (await import('../../src/index.js')) as Api;
    expect(second).not.toBe(first);
    expect(second.init({ serviceName: 'second' })).toBe(handle);
    await first.withSpan('outer', () => second.withSpan('inner', () => undefined));
    await handle.forceFlush();
    const [inner, outer] = ours.spans;
    expect(ours.spans.map((s) => s.name)).toEqual(['inner', 'outer']);
    expect(inner!.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(inner!.resource.attributes['service.name']).toBe('first');
  });
});

interface ReportLine {
  sameHandle?: boolean;
  traceparentLines?: number[];
  stats: { exported: number; spansEnded: number };
}

describe('two copies in a child process (ES module and CommonJS builds), one OTLP receiver', () => {
  const cases = [
    { label: 'an ES module app and its CommonJS dependency both init() and enable http', script: 'two-copies-app.mjs', args: ['both'], nodeArgs: [] },
    { label: '--require tracelight/register with an ES module init()', script: 'two-copies-app.mjs', args: ['app'], nodeArgs: ['--require', 'tracelight/register'] },
    { label: '--import tracelight/register with a CommonJS init()', script: 'two-copies-app.cjs', args: [], nodeArgs: ['--import', 'tracelight/register'] },
  ];
  it.each(cases)('$label: one pipeline, one CLIENT and one SERVER span, one trace', async ({ script, args, nodeArgs }) => {
    const receiver = await OtlpReceiver.start();
    try {
      const r = await runNode(script, args, { nodeArgs, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '10' } });
      expect(r.code, r.stderr).toBe(0);
      const [report] = jsonLines<ReportLine>(r.stdout);
      expect(report, r.stdout + r.stderr).toBeDefined();
      if (report!.sameHandle !== undefined) expect(report!.sameHandle).toBe(true);
      if (report!.traceparentLines !== undefined) expect(report!.traceparentLines).toEqual([1]);
      const spans = receiver.acceptedSpans();
      expect(spans).toHaveLength(report!.stats.spansEnded);
      expect(report!.stats.exported).toBe(spans.length);
      expect(spans.filter((s) => s.kind === 3)).toHaveLength(1); // CLIENT
      expect(spans.filter((s) => s.kind === 2)).toHaveLength(1); // SERVER
      expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
      // Every parent is in the trace: nothing reads "(parent missing)".
      const ids = new Set(spans.map((s) => s.spanId));
      expect(spans.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId))).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});

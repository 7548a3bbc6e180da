import { context, diag, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureDiag } from '../helpers/capture-diag.js';
import { collectingExporter, freshTracelight } from '../helpers/fresh-tracelight.js';

const saved = { ...process.env };
beforeEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];
});
afterEach(() => {
  process.env = { ...saved };
  diag.disable();
});

describe('init()', () => {
  it('registers provider, context manager and propagator; withSpan spans reach the exporter', async () => {
    const tl = await freshTracelight();
    const exporter = collectingExporter();
    const handle = tl.init({ serviceName: 'checkout-api', serviceVersion: '2.0.0', environment: 'test', exporter });
    const carrier: Record<string, string> = {};
    const result = await tl.withSpan('outer', { kind: SpanKind.SERVER }, async (span) => {
      expect(trace.getActiveSpan()).toBe(span);
      propagation.inject(context.active(), carrier);
      return tl.withSpan('inner', () => 'value');
    });
    expect(result).toBe('value');
    await handle.forceFlush();
    expect(exporter.spans.map((s) => s.name)).toEqual(['inner', 'outer']);
    const [inner, outer] = exporter.spans as [ReadableSpan, ReadableSpan];
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(outer.kind).toBe(SpanKind.SERVER);
    expect(carrier.traceparent).toBe(`00-${outer.spanContext().traceId}-${outer.spanContext().spanId}-03`);
    expect(outer.resource.attributes).toMatchObject({
      'service.name': 'checkout-api',
      'service.version': '2.0.0',
      'deployment.environment.name': 'test',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.distro.name': 'tracelight',
      'telemetry.distro.version': tl.VERSION,
    });
    expect(outer.instrumentationScope).toMatchObject({ name: 'tracelight', version: tl.VERSION });
    await handle.shutdown();
  });

  it("init('name') is short for init({ serviceName: 'name' }), and wins over OTEL_SERVICE_NAME", async () => {
    process.env.OTEL_SERVICE_NAME = 'from-env';
    process.env.OTEL_TRACES_EXPORTER = 'none';
    const tl = await freshTracelight();
    const handle = tl.init('short-name');
    const span = handle.tracer.startSpan('x') as unknown as ReadableSpan & { end(): void };
    expect(span.resource.attributes['service.name']).toBe('short-name');
    span.end();
    await handle.shutdown();
  });

  it('a second init() warns once and returns the same handle', async () => {
    const tl = await freshTracelight();
    const messages = captureDiag();
    const a = tl.init({ exporter: 'none' });
    const b = tl.init({ exporter: 'console' });
    const c = tl.init();
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(messages.filter((m) => m.includes('more than once'))).toHaveLength(1);
    expect(messages.find((m) => m.includes('more than once'))).toMatch(/its options exporter are ignored and the first configuration \(service.name ".*"\) stays/);
    await a.shutdown();
  });

  it('OTEL_SDK_DISABLED=true gives a no-op handle; withSpan still runs and returns', async () => {
    process.env.OTEL_SDK_DISABLED = 'true';
    const tl = await freshTracelight();
    const handle = tl.init({ exporter: collectingExporter() });
    const obj = { a: 1 };
    expect(tl.withSpan('x', () => obj)).toBe(obj);
    await expect(tl.withSpan('y', async () => obj)).resolves.toBe(obj);
    expect(handle.stats()).toMatchObject({ spansStarted: 0, spansEnded: 0, exported: 0 });
    expect(trace.getActiveSpan()).toBeUndefined();
    await handle.shutdown();
    await handle.shutdown();
  });

  it('stats() counts started, ended, open and exported spans; a leak shows as spansOpen', async () => {
    const tl = await freshTracelight();
    const handle = tl.init({ exporter: collectingExporter() });
    tl.withSpan('a', () => 1);
    await tl.withSpan('b', async () => 2);
    const leaked = handle.tracer.startSpan('never-ended');
    expect(handle.stats()).toMatchObject({ spansStarted: 3, spansEnded: 2, spansOpen: 1 });
    await handle.forceFlush();
    expect(handle.stats()).toMatchObject({ exported: 2, queueDepth: 0, exportFailures: 0 });
    leaked.end();
    expect(handle.stats().spansOpen).toBe(0);
    await handle.shutdown();
  });

  it('redacts secrets by default, and honours redact options', async () => {
    const tl = await freshTracelight();
    const exporter = collectingExporter();
    const handle = tl.init({ exporter, redact: { keys: ['customer.email'], replacement: '***' } });
    tl.withSpan('r', { attributes: { 'http.request.header.authorization': 'Bearer x', 'customer.email': 'a@b.c', ok: 'yes' } }, (span) => {
      span.setAttribute('db.password', 'hunter2');
    });
    await handle.forceFlush();
    expect(exporter.spans[0]!.attributes).toEqual({
      'http.request.header.authorization': '***',
      'customer.email': '***',
      'db.password': '***',
      ok: 'yes',
    });
    await handle.shutdown();
  });

  it('redact: false records values as given', async () => {
    const tl = await freshTracelight();
    const exporter = collectingExporter();
    const handle = tl.init({ exporter, redact: false });
    tl.withSpan('r', { attributes: { password: 'p' } }, () => undefined);
    await handle.forceFlush();
    expect(exporter.spans[0]!.attributes).toEqual({ password: 'p' });
    await handle.shutdown();
  });

  it('sampler ratio 0 records nothing but still propagates', async () => {
    const tl = await freshTracelight();
    const exporter = collectingExporter();
    const handle = tl.init({ exporter, sampler: 0 });
    const carrier: Record<string, string> = {};
    tl.withSpan('dropped', () => propagation.inject(context.active(), carrier));
    await handle.forceFlush();
    expect(exporter.spans).toHaveLength(0);
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-02$/);
    await handle.shutdown();
  });

  it('OTEL_TRACES_SAMPLER from the environment applies when code says nothing', async () => {
    process.env.OTEL_TRACES_SAMPLER = 'always_off';
    const tl = await freshTracelight();
    const exporter = collectingExporter();
    const handle = tl.init({ exporter });
    tl.withSpan('off', () => undefined);
    await handle.forceFlush();
    expect(exporter.spans).toHaveLength(0);
    await handle.shutdown();
  });

  it('code options win over OTEL_* variables', async () => {
    process.env.OTEL_SERVICE_NAME = 'env-name';
    process.env.OTEL_TRACES_SAMPLER = 'always_off';
    process.env.OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT = '1';
    const tl = await freshTracelight();
    const exporter = collectingExporter();
    const handle = tl.init({ serviceName: 'code-name', sampler: 'always_on', exporter, spanLimits: { attributeCountLimit: 2 } });
    tl.withSpan('s', { attributes: { a: 1, b: 2, c: 3 } }, () => undefined);
    await handle.forceFlush();
    expect(exporter.spans[0]!.resource.attributes['service.name']).toBe('code-name');
    expect(Object.keys(exporter.spans[0]!.attributes)).toEqual(['a', 'b']);
    expect(exporter.spans[0]!.droppedAttributesCount).toBe(1);
    await handle.shutdown();
  });

  it('OTEL_PROPAGATORS=none stops propagation; an unknown name warns and is skipped', async () => {
    process.env.OTEL_PROPAGATORS = 'tracecontext,nonsense';
    const tl = await freshTracelight();
    const messages = captureDiag();
    const handle = tl.init({ exporter: 'none' });
    const carrier: Record<string, string> = {};
    tl.withSpan('p', () => propagation.inject(context.active(), carrier));
    expect(carrier.traceparent).toBeDefined();
    expect(messages.some((m) => m.includes('nonsense'))).toBe(true);
    await handle.shutdown();
  });

  it('shutdown() is idempotent and withSpan keeps working after it', async () => {
    const tl = await freshTracelight();
    const exporter = collectingExporter();
    const handle = tl.init({ exporter });
    tl.withSpan('before', () => undefined);
    const p1 = handle.shutdown();
    const p2 = handle.shutdown();
    expect(p2).toBe(p1);
    await p1;
    expect(exporter.spans.map((s) => s.name)).toEqual(['before']);
    expect(tl.withSpan('after', () => 5)).toBe(5);
  });

  it('debug: true reports spans left open, with where they started', async () => {
    const tl = await freshTracelight();
    const handle = tl.init({ exporter: 'none', debug: { openSpanThresholdMs: 20 }, logLevel: 50 as never });
    const messages = captureDiag();
    const span = handle.tracer.startSpan('forgotten');
    await new Promise((r) => setTimeout(r, 1200));
    span.end();
    const report = messages.find((m) => m.includes('forgotten'));
    expect(report).toBeDefined();
    expect(report).toContain('init.test.ts');
    await handle.shutdown();
  });

  it('never throws from init, even with nonsense options', async () => {
    const tl = await freshTracelight();
    const handle = tl.init({ exporter: 42 as never, sampler: 'nope' as never, batch: { maxQueueSize: -5 }, propagators: 7 as never });
    expect(typeof handle.shutdown).toBe('function');
    expect(tl.withSpan('still', () => 'works')).toBe('works');
    await handle.shutdown();
  });

  it('with another context manager already registered, withSpan follows that one', async () => {
    const tl = await freshTracelight();
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const other = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(other);
    const messages = captureDiag();
    const exporter = collectingExporter();
    const handle = tl.init({ exporter });
    await tl.withSpan('outer', async (outer) => {
      expect(other.active()).not.toBe(ROOT_CONTEXT);
      expect(trace.getSpan(other.active())).toBe(outer);
      await tl.withSpan('inner', async () => undefined);
    });
    await handle.forceFlush();
    const [inner, outer] = exporter.spans as [ReadableSpan, ReadableSpan];
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(messages.some((m) => m.includes('another context manager'))).toBe(true);
    await handle.shutdown();
  });

  it('the active context outside spans is ROOT', async () => {
    const tl = await freshTracelight();
    const handle = tl.init({ exporter: 'none' });
    expect(context.active()).toBe(ROOT_CONTEXT);
    expect(tl.logFields()).toEqual({});
    tl.withSpan('x', (span) => {
      expect(tl.logFields()).toEqual({
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
        trace_flags: '03',
      });
    });
    await handle.shutdown();
  });
});

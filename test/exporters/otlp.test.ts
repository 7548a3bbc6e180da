import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TracelightBatchSpanProcessor } from '../../src/exporters/batch-span-processor.js';
import { createOtlpExporter } from '../../src/exporters/otlp.js';
import type { OtlpExporterOptions } from '../../src/exporters/otlp.js';
import { resolveOtlpTracesUrl } from '../../src/exporters/otlp-endpoint.js';
import { OtlpReceiver } from './otlp-receiver.js';
import type { ReceivedSpan } from './otlp-receiver.js';
import { setupTracing, watchUnhandledRejections } from './helpers.js';

let receiver: OtlpReceiver;
let rejections: ReturnType<typeof watchUnhandledRejections>;

beforeEach(async () => {
  receiver = await OtlpReceiver.start();
  rejections = watchUnhandledRejections();
});

afterEach(async () => {
  await receiver.close();
  rejections.stop();
  expect(rejections.reasons).toEqual([]);
});

/** Sends a small, feature-rich trace through our processor and the OTLP exporter; returns what was sent. */
async function sendTrace(options: OtlpExporterOptions) {
  const exporter = createOtlpExporter(options);
  const processor = new TracelightBatchSpanProcessor(exporter, { scheduledDelayMillis: 5 });
  const { tracer, close } = setupTracing([processor]);
  const linked = tracer.startSpan('linked-job');
  linked.end();
  const ids = tracer.startActiveSpan(
    'GET /checkout',
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.route': '/checkout',
        'http.response.status_code': 502,
        ratio: 0.25,
        cached: false,
        tags: ['a', 'b'],
        'unicode.näme': 'カート 🛒',
      },
    },
    (root) => {
      root.addEvent('cart.loaded', { items: 3 });
      const child = tracer.startSpan('payment.charge', {
        kind: SpanKind.CLIENT,
        links: [{ context: linked.spanContext(), attributes: { reason: 'retry-of' } }],
      });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      child.end();
      root.setStatus({ code: SpanStatusCode.ERROR });
      root.end();
      return { root: root.spanContext(), child: child.spanContext() };
    },
  );
  await processor.forceFlush();
  const spans = await receiver.waitForSpans(3);
  await close();
  expect(processor.stats()).toMatchObject({ exported: 3, exportFailures: 0, droppedQueueFull: 0, queueDepth: 0 });
  return { ids, linked: linked.spanContext(), spans, exporter };
}

function byName(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const span = spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span named ${name} in ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

describe.each([
  ['http/protobuf', 'protobuf', 'application/x-protobuf'],
  ['http/json', 'json', 'application/json'],
] as const)('OTLP over %s, decoded with the official schema', (protocol, encoding, contentType) => {
  it.each(['none', 'gzip'] as const)('sends ids, tree, kinds, attributes, events, links, status and resource (compression %s)', async (compression) => {
    const { ids, linked, spans } = await sendTrace({
      protocol,
      tracesEndpoint: receiver.tracesUrl,
      headers: { 'x-api-key': 'secret-1', 'x-tenant': 'acme' },
      compression,
    });
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.schemaError).toBeNull();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/traces');
    expect(request.encoding).toBe(encoding);
    expect(request.headers['content-type']).toContain(contentType);
    expect(request.gzip).toBe(compression === 'gzip');
    expect(request.headers['x-api-key']).toBe('secret-1');
    expect(request.headers['x-tenant']).toBe('acme');

    const root = byName(spans, 'GET /checkout');
    const child = byName(spans, 'payment.charge');
    const job = byName(spans, 'linked-job');
    expect(root.traceId).toBe(ids.root.traceId);
    expect(root.spanId).toBe(ids.root.spanId);
    expect(root.parentSpanId).toBe('');
    expect(child.traceId).toBe(ids.root.traceId);
    expect(child.spanId).toBe(ids.child.spanId);
    expect(child.parentSpanId).toBe(ids.root.spanId);
    expect(job.traceId).toBe(linked.traceId);
    expect(job.traceId).not.toBe(root.traceId);

    expect(root.kind).toBe(2); // SPAN_KIND_SERVER
    expect(child.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(job.kind).toBe(1); // SPAN_KIND_INTERNAL
    expect(root.attributes).toEqual({
      'http.route': '/checkout',
      'http.response.status_code': 502,
      ratio: 0.25,
      cached: false,
      tags: ['a', 'b'],
      'unicode.näme': 'カート 🛒',
    });
    expect(root.events).toHaveLength(1);
    expect(root.events[0]).toMatchObject({ name: 'cart.loaded', attributes: { items: 3 } });
    expect(child.links).toEqual([{ traceId: linked.traceId, spanId: linked.spanId, attributes: { reason: 'retry-of' } }]);
    expect(child.status).toEqual({ code: 2, message: 'card declined' });
    expect(root.status.code).toBe(2);
    expect(job.status.code).toBe(0);
    expect(BigInt(root.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(root.startTimeUnixNano));
    expect(root.scope).toEqual({ name: 'exporter-tests', version: '0.0.1' });

    for (const span of spans) {
      expect(span.resource).toMatchObject({
        'service.name': 'checkout-api',
        'service.version': '1.4.2',
        'telemetry.sdk.language': 'nodejs',
        'telemetry.sdk.name': 'opentelemetry',
      });
      expect(typeof span.resource['telemetry.sdk.version']).toBe('string');
    }
  });
});

describe('OTLP endpoint', () => {
  it('appends /v1/traces to a base endpoint, once, whatever its trailing slash or path prefix', () => {
    expect(resolveOtlpTracesUrl({})).toBe('http://localhost:4318/v1/traces');
    expect(resolveOtlpTracesUrl({ endpoint: 'http://collector:4318' })).toBe('http://collector:4318/v1/traces');
    expect(resolveOtlpTracesUrl({ endpoint: 'http://collector:4318/' })).toBe('http://collector:4318/v1/traces');
    expect(resolveOtlpTracesUrl({ endpoint: 'https://otel.example.com/api/otlp' })).toBe('https://otel.example.com/api/otlp/v1/traces');
    expect(resolveOtlpTracesUrl({ endpoint: 'https://otel.example.com/api/otlp/' })).toBe('https://otel.example.com/api/otlp/v1/traces');
    // A base endpoint that already names the traces path is not doubled.
    expect(resolveOtlpTracesUrl({ endpoint: 'http://collector:4318/v1/traces' })).toBe('http://collector:4318/v1/traces');
  });

  it('uses a signal-specific endpoint as is, and prefers it over the base one', () => {
    expect(resolveOtlpTracesUrl({ tracesEndpoint: 'http://collector:4318/custom/path' })).toBe('http://collector:4318/custom/path');
    expect(resolveOtlpTracesUrl({ tracesEndpoint: 'http://a:1/x', endpoint: 'http://b:2' })).toBe('http://a:1/x');
    expect(resolveOtlpTracesUrl({ tracesEndpoint: 'not a url' })).toBeUndefined();
    expect(resolveOtlpTracesUrl({ endpoint: 'ftp://collector' })).toBeUndefined();
  });

  it('posts to <base>/v1/traces on the wire for a base endpoint with a path prefix', async () => {
    await sendTrace({ endpoint: `${receiver.url}/prefix/` });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/prefix/v1/traces']);
  });

  it('posts exactly to a signal-specific endpoint, without appending', async () => {
    await sendTrace({ tracesEndpoint: `${receiver.url}/custom/ingest`, protocol: 'http/json' });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/custom/ingest']);
  });

  it('an invalid endpoint gives an exporter that fails every export (never throws)', async () => {
    const exporter = createOtlpExporter({ tracesEndpoint: 'nope' });
    const result = await new Promise((resolve) => exporter.export([], resolve));
    expect(result).toMatchObject({ code: 1 });
    await exporter.shutdown();
  });
});

describe('explicit options vs the official exporter reading OTEL_EXPORTER_OTLP_* itself', () => {
  const keys = [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTEL_EXPORTER_OTLP_COMPRESSION',
    'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
    'OTEL_EXPORTER_OTLP_TIMEOUT',
    'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
    'OTEL_EXPORTER_OTLP_HEADERS',
  ];
  afterEach(() => {
    for (const key of keys) delete process.env[key];
  });

  it.each(['http/protobuf', 'http/json'] as const)('explicit URL, compression and timeout win (%s)', async (protocol) => {
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = 'http://127.0.0.1:9/wrong-base';
    process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = 'http://127.0.0.1:9/wrong-specific';
    process.env['OTEL_EXPORTER_OTLP_COMPRESSION'] = 'gzip';
    process.env['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION'] = 'gzip';
    // One millisecond would make every export time out if it were used.
    process.env['OTEL_EXPORTER_OTLP_TIMEOUT'] = '1';
    process.env['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT'] = '1';
    receiver.behave({ type: 'slow', delayMillis: 50 });
    const { exporter } = await sendTrace({ protocol, endpoint: receiver.url, compression: 'none', timeoutMillis: 5000 });
    expect(exporter.url).toBe(receiver.tracesUrl);
    expect(receiver.requests.map((r) => [r.path, r.gzip])).toEqual([['/v1/traces', false]]);
  });

  it('documents a limit of the official exporter: env headers are merged under explicit ones', async () => {
    process.env['OTEL_EXPORTER_OTLP_HEADERS'] = 'x-from-env=env,x-api-key=from-env';
    await sendTrace({ tracesEndpoint: receiver.tracesUrl, headers: { 'x-api-key': 'explicit' } });
    const headers = receiver.requests[0]!.headers;
    expect(headers['x-api-key']).toBe('explicit');
    // If this starts failing, the official exporter stopped merging env headers: update the TSDoc of createOtlpExporter.
    expect(headers['x-from-env']).toBe('env');
  });
});

describe('retry layer', () => {
  it('is installed in the official exporter and counts retries (503 then 200)', async () => {
    receiver.behave((index) => (index === 0 ? { type: 'status', status: 503 } : { type: 'ok' }));
    const { exporter } = await sendTrace({
      tracesEndpoint: receiver.tracesUrl,
      retry: { initialBackoffMillis: 10, maxBackoffMillis: 20 },
    });
    expect(receiver.requests.map((r) => r.answer)).toEqual([503, 200]);
    expect(exporter.stats().retries).toBe(1);
  });

  it('exports run with tracing suppressed (an instrumented client would not trace them)', async () => {
    // Our processor wraps export() in suppressTracing; spans started there are non-recording.
    const { isTracingSuppressed } = await import('@opentelemetry/core');
    let suppressed: boolean | undefined;
    const exporter = createOtlpExporter({ tracesEndpoint: receiver.tracesUrl });
    const processor = new TracelightBatchSpanProcessor(
      {
        export(spans, done) {
          suppressed = isTracingSuppressed(context.active());
          exporter.export(spans, done);
        },
        shutdown: () => exporter.shutdown(),
      },
      { scheduledDelayMillis: 5 },
    );
    const { tracer, close } = setupTracing([processor]);
    tracer.startSpan('one').end();
    await processor.forceFlush();
    await receiver.waitForSpans(1);
    await close();
    expect(suppressed).toBe(true);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

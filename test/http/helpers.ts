import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, ExportResultCode, suppressTracing, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { TracerProvider as BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { init } from '../../src/index.js';

export interface Otel {
  exporter: InMemorySpanExporter;
  /** Which pipeline the suite runs on (see {@link setupOtel}). */
  pipeline: 'official' | 'tracelight';
  teardown(): Promise<void>;
}

/**
 * Registers the globals the HTTP suites run under. By default the official SDK pieces (provider,
 * ALS context manager, W3C propagators): the instrumentation must work under any provider. With
 * `TRACELIGHT_TEST_PIPELINE=tracelight` (the "http on tracelight" project in vitest.config.ts)
 * tracelight's own `init()` pipeline instead: its provider, context manager, propagator and
 * batch processor, exporting to the same in-memory exporter.
 */
export function setupOtel(): Otel {
  if (process.env['TRACELIGHT_TEST_PIPELINE'] === 'tracelight') {
    const exporter = new SynchronousInMemoryExporter();
    // A batch of one: each span is handed to the exporter in the span.end() that ends it (the
    // exporter answers at once), so assertions see spans as they end, as with a simple processor.
    const handle = init({ serviceName: 'http-tests', exporter, batch: { maxExportBatchSize: 1 }, flushOnExit: false });
    return {
      exporter,
      pipeline: 'tracelight',
      async teardown() {
        await handle.shutdown();
        trace.disable();
        context.disable();
        propagation.disable();
      },
    };
  }
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  return {
    exporter,
    pipeline: 'official',
    async teardown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/**
 * The official in-memory exporter answers on a later timer; this one answers at once, so with a
 * batch of one no span waits in the queue past the test that ended it (and `reset()` between
 * tests leaves nothing to arrive late).
 */
class SynchronousInMemoryExporter extends InMemorySpanExporter {
  override export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.getFinishedSpans().push(...spans);
    resultCallback({ code: ExportResultCode.SUCCESS });
  }
}

/** Listens on 127.0.0.1, port 0; resolves the port. */
export function listen(server: http.Server | import('node:https').Server | import('node:net').Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes a server and every connection it still has. */
export function close(server: http.Server | import('node:https').Server | import('node:net').Server): Promise<void> {
  return new Promise((resolve) => {
    const s = server as http.Server;
    if (typeof s.closeAllConnections === 'function') s.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * Waits until the exporter holds spans matching `predicate` (`count` of them), polling; rejects
 * with what it has after `timeoutMs` (a bound so a bug fails the test instead of hanging it).
 */
export async function waitForSpans(
  exporter: InMemorySpanExporter,
  count: number,
  predicate: (s: ReadableSpan) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<ReadableSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = exporter.getFinishedSpans().filter(predicate);
    if (spans.length >= count) return spans;
    if (Date.now() > deadline) {
      throw new Error(
        `expected ${count} spans, got ${spans.length}: ${JSON.stringify(exporter.getFinishedSpans().map((s) => [s.name, s.kind, s.attributes]))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Makes a request with node:http and resolves status, headers and body. Runs with tracing
 * suppressed, so that the client instrumentation adds no span and no header of its own: the
 * server sees exactly the headers given here.
 */
export function request(
  options: http.RequestOptions & { url?: string; body?: string | Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return context.with(suppressTracing(ROOT_CONTEXT), () => new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const { url, body, ...rest } = options;
    const req = url ? http.request(url, rest) : http.request(rest);
    req.on('error', reject);
    req.on('response', (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.end(body);
  }));
}

/** Span id of a span's parent (SDK 2.x field). */
export function parentId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const PARENT_ID = 'b7ad6b7169203331';
export const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

/**
 * Export path benchmarks: what tracing costs the app when the collector is healthy, down or
 * hanging (target: down/hanging keep ≥ 95 % of the healthy throughput), end-to-end export
 * throughput to a local OTLP receiver, and memory after 1,000,000 spans with the collector down
 * (target: RSS growth < 64 MB).
 *
 * Spans come from `withSpan` on tracelight's own provider and context manager (one provider per
 * collector state, switched with the internal `setWithSpanTracer`, an assignment), processed by
 * our TracelightBatchSpanProcessor and exported by our OTLP exporter (official packages).
 * The receivers here read and discard bodies, so decoding does not steal CPU from the app.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { context } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { TracelightContextManager } from '../src/context/async-local-storage-context-manager.js';
import { LightTracerProvider } from '../src/span/tracer-provider.js';
import { setWithSpanTracer, withSpan } from '../src/span/with-span.js';
import { TracelightBatchSpanProcessor } from '../src/exporters/batch-span-processor.js';
import { createOtlpExporter } from '../src/exporters/otlp.js';
import { compare, header } from './lib.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? 20_000);
const MEMORY_SPANS = Number(process.env['BENCH_MEMORY_SPANS'] ?? 1_000_000);
const TIME_LIMIT_MS = 120_000;

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Reads and discards each request, answers 200 (an empty protobuf response is empty bytes). */
function healthyReceiver(): Server {
  return createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/x-protobuf');
      res.end();
    });
  });
}

/** Accepts requests and never answers. */
function hangingReceiver(): Server {
  return createServer((req) => {
    req.resume();
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function pipeline(url: string) {
  const exporter = createOtlpExporter({ tracesEndpoint: url, timeoutMillis: 10_000 });
  const processor = new TracelightBatchSpanProcessor(exporter);
  const provider = new LightTracerProvider({ spanProcessors: [processor] });
  return { exporter, processor, provider, tracer: provider.getTracer('bench') };
}

function route(span: { setAttribute(k: string, v: string): unknown }): number {
  span.setAttribute('http.route', '/items');
  return 1;
}

/** The app's unit of work: a `withSpan` around a tiny computation. */
function work(tracer: Tracer): number {
  setWithSpanTracer(tracer);
  return withSpan('GET /items', route);
}

async function main(): Promise<void> {
  console.log(`_${header()}_\n`);
  context.setGlobalContextManager(new TracelightContextManager());

  const healthyServer = healthyReceiver();
  const hangingServer = hangingReceiver();
  const healthyUrl = `http://127.0.0.1:${await listen(healthyServer)}/v1/traces`;
  const hangingUrl = `http://127.0.0.1:${await listen(hangingServer)}/v1/traces`;
  const downUrl = `http://127.0.0.1:${await closedPort()}/v1/traces`;

  const healthy = pipeline(healthyUrl);
  const down = pipeline(downUrl);
  const hanging = pipeline(hangingUrl);
  const bare = new LightTracerProvider().getTracer('bench'); // no processor: the floor

  // 1. The app's own throughput, cases interleaved. Async so that export I/O and timers run
  //    between operations, as they would in a server.
  let n = 0;
  const yieldEvery = (tracer: Tracer) => async () => {
    work(tracer);
    if (++n % 256 === 0) await yieldToLoop();
  };
  const results = await compare(
    'App throughput: a span per operation, collector healthy / down / hanging',
    {
      'collector healthy': yieldEvery(healthy.tracer),
      'collector down (connection refused)': yieldEvery(down.tracer),
      'collector hanging': yieldEvery(hanging.tracer),
      'no processor (floor)': yieldEvery(bare),
    },
    { iterations: ITERATIONS, rounds: ROUNDS, async: true },
  );
  for (const r of results) {
    console.log(`- ${r.name}: ${Math.round(1e9 / r.medianNsPerOp).toLocaleString('en-US')} spans/s, ${(1 / r.ratio * 100).toFixed(1)} % of healthy`);
  }
  for (const [name, p] of Object.entries({ healthy, down, hanging })) {
    console.log(`- ${name} stats: ${JSON.stringify(p.processor.stats())}`);
  }
  console.log();

  // 2. End-to-end: spans created, exported and dropped per second with a healthy collector,
  //    the app yielding every 512 spans.
  {
    const e2e = pipeline(healthyUrl);
    const total = 200_000;
    const start = performance.now();
    for (let i = 0; i < total && performance.now() - start < TIME_LIMIT_MS; i++) {
      work(e2e.tracer);
      if (i % 512 === 511) await yieldToLoop();
    }
    await e2e.processor.forceFlush();
    const seconds = (performance.now() - start) / 1000;
    const s = e2e.processor.stats();
    console.log('### End-to-end export to a local OTLP receiver (http/protobuf, default batch settings)\n');
    console.log(`- ${total.toLocaleString('en-US')} spans in ${seconds.toFixed(2)} s: ${Math.round(total / seconds).toLocaleString('en-US')} spans/s created`);
    console.log(`- exported ${s.exported.toLocaleString('en-US')} (${Math.round(s.exported / seconds).toLocaleString('en-US')} spans/s), dropped (queue full) ${s.droppedQueueFull.toLocaleString('en-US')}, failures ${s.exportFailures}\n`);
    await e2e.provider.shutdown();
  }

  // 3. Memory: RSS growth over MEMORY_SPANS spans with the collector down.
  {
    const mem = pipeline(downUrl);
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 20_000; i++) work(mem.tracer);
    await yieldToLoop();
    gc?.();
    const before = process.memoryUsage();
    const start = performance.now();
    let made = 0;
    for (; made < MEMORY_SPANS && performance.now() - start < TIME_LIMIT_MS; made++) {
      work(mem.tracer);
      if (made % 1024 === 1023) await yieldToLoop();
    }
    gc?.();
    const after = process.memoryUsage();
    const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
    console.log(`### Memory with the collector down (${made.toLocaleString('en-US')} spans)\n`);
    console.log(`- RSS ${mb(before.rss)} MB → ${mb(after.rss)} MB: growth ${mb(after.rss - before.rss)} MB (target < 64 MB)`);
    console.log(`- heap used ${mb(before.heapUsed)} MB → ${mb(after.heapUsed)} MB`);
    console.log(`- stats: ${JSON.stringify(mem.processor.stats())}\n`);
    await Promise.race([mem.provider.shutdown(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  await Promise.all(
    [healthy, down, hanging].map((p) => Promise.race([p.provider.shutdown(), new Promise((r) => setTimeout(r, 2000).unref())])),
  );
  healthyServer.closeAllConnections();
  hangingServer.closeAllConnections();
  healthyServer.close();
  hangingServer.close();
}

await main();

/**
 * `tracelight view`: spans per second ingested (OTLP protobuf and JSON, as the official exporters
 * serialize them), the viewer's RSS holding 10,000 and 100,000 spans, and, in chromium, the time
 * from an export to the trace on screen and the time to open a 10,000-span trace.
 * Needs a build (dist/viewer/cli.js) and, for the browser part, chromium (skipped without).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

interface Viewer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function startViewer(args: string[] = []): Promise<Viewer> {
  const child = spawn(process.execPath, ['dist/viewer/cli.js', 'view', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /tracelight viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve({ url: m[1]!, child, stop: () => new Promise((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); }) });
    });
  });
}

/** `traces` traces of `perTrace` spans each (a server span and its DB/HTTP children), as ReadableSpans. */
function makeSpans(traces: number, perTrace: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-shop', 'service.version': '1.4.2', 'host.name': 'bench-host', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  for (let t = 0; t < traces; t++) {
    const root = tracer.startSpan('GET /api/cart/:id', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/api/cart/:id', 'url.path': `/api/cart/${t}`, 'http.response.status_code': 200, 'server.address': 'shop.local', 'user_agent.original': 'bench/1.0' },
    });
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 1; i < perTrace; i++) {
      const child = tracer.startSpan(i % 2 ? 'SELECT items' : 'GET', {
        kind: SpanKind.CLIENT,
        attributes: i % 2
          ? { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM items WHERE cart_id = $1', 'db.namespace': 'shop', 'server.address': 'db.local', 'server.port': 5432 }
          : { 'http.request.method': 'GET', 'url.full': `http://prices.local/price/${i}`, 'http.response.status_code': 200, 'server.address': 'prices.local', 'server.port': 80 },
      }, ctx);
      child.end();
    }
    root.end();
  }
  return memory.getFinishedSpans();
}

async function post(url: string, body: Uint8Array | string, type: string): Promise<void> {
  const res = await fetch(url + 'v1/traces', { method: 'POST', headers: { 'Content-Type': type }, body });
  if (res.status !== 200) throw new Error(`viewer answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

async function stats(url: string): Promise<{ spans: number; traces: number; rssBytes: number; evictedTraces: number }> {
  return (await (await fetch(url + 'api/stats')).json()) as never;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const SPANS_PER_TRACE = 10;
const BATCH_TRACES = 100; // 1,000 spans per request

async function ingest(encoding: 'protobuf' | 'json', totalSpans: number): Promise<void> {
  const viewer = await startViewer(['--max-mb', '2000']);
  try {
    const batches = totalSpans / (SPANS_PER_TRACE * BATCH_TRACES);
    const bodies: Array<Uint8Array | string> = [];
    for (let b = 0; b < batches; b++) {
      const spans = makeSpans(BATCH_TRACES, SPANS_PER_TRACE);
      bodies.push(encoding === 'protobuf' ? ProtobufTraceSerializer.serializeRequest(spans)! : new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!));
    }
    const type = encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
    const bytes = bodies.reduce((n, b) => n + (typeof b === 'string' ? Buffer.byteLength(b) : b.length), 0);
    const rssAt: Record<number, number> = {};
    const start = performance.now();
    for (let b = 0; b < bodies.length; b++) {
      await post(viewer.url, bodies[b]!, type);
      const held = (b + 1) * SPANS_PER_TRACE * BATCH_TRACES;
      if (held === 10_000) rssAt[10_000] = (await stats(viewer.url)).rssBytes;
    }
    const seconds = (performance.now() - start) / 1000;
    const s = await stats(viewer.url);
    rssAt[totalSpans] = s.rssBytes;
    console.log(
      `| ${encoding} | ${totalSpans.toLocaleString('en')} | ${(bytes / totalSpans).toFixed(0)} | ${Math.round(totalSpans / seconds).toLocaleString('en')} | ` +
        `${(rssAt[10_000]! / 1048576).toFixed(0)} MB | ${(rssAt[totalSpans]! / 1048576).toFixed(0)} MB | ${s.spans.toLocaleString('en')} / ${s.evictedTraces} |`,
    );
  } finally {
    await viewer.stop();
  }
}

function findChromium(): string | undefined {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function browser(): Promise<void> {
  const executablePath = findChromium();
  if (executablePath === undefined) {
    console.log('(no chromium: export-to-screen and open times not measured)');
    return;
  }
  const { chromium } = await import('playwright-core');
  const viewer = await startViewer();
  const b = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await b.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(viewer.url);
    await page.waitForFunction('window.__tracelight !== undefined');
    // Export to screen: one trace exported by the official proto exporter, until the list shows it.
    const exporter = new OTLPTraceExporter({ url: viewer.url + 'v1/traces' });
    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const spans = makeSpans(1, 5);
      const id = spans[0]!.spanContext().traceId;
      const exportedAt = performance.timeOrigin + performance.now();
      await new Promise<void>((resolve) => exporter.export(spans, () => resolve()));
      await page.waitForFunction(`window.__tracelight.shownAt['${id}'] !== undefined`, undefined, { polling: 5 });
      const shownAt = (await page.evaluate(`window.__tracelight.shownAt['${id}']`)) as number;
      latencies.push(shownAt - exportedAt);
    }
    latencies.sort((x, y) => x - y);
    console.log(`| export → trace in the list (30 exports) | median ${median(latencies).toFixed(0)} ms | p95 ${latencies[Math.floor(latencies.length * 0.95)]!.toFixed(0)} ms | max ${latencies.at(-1)!.toFixed(0)} ms |`);
    // Open a 10,000-span trace (one request of 10,000 spans), 7 times.
    const big = makeSpans(1, 10_000);
    await post(viewer.url, ProtobufTraceSerializer.serializeRequest(big)!, 'application/x-protobuf');
    const id = big[0]!.spanContext().traceId;
    const opens: number[] = [];
    const phases: Array<{ fetchMs: number; buildMs: number }> = [];
    for (let i = 0; i < 7; i++) {
      await page.goto(`${viewer.url}?open=${i}`);
      await page.waitForFunction(`window.__tracelight.shownAt['${id}'] !== undefined`);
      await page.click(`#traces tbody tr[data-id="${id}"]`);
      await page.waitForFunction('window.__tracelight.openMs.length > 0');
      opens.push((await page.evaluate('window.__tracelight.openMs.at(-1)')) as number);
      phases.push((await page.evaluate('window.__tracelight.phases')) as { fetchMs: number; buildMs: number });
    }
    opens.sort((x, y) => x - y);
    console.log(`| open a 10,000-span trace (7 opens, page reloaded each time) | median ${median(opens).toFixed(0)} ms | best ${opens[0]!.toFixed(0)} ms | worst ${opens.at(-1)!.toFixed(0)} ms |`);
    console.log(`| of which fetch + JSON parse / tree build (medians) | ${median(phases.map((p) => p.fetchMs)).toFixed(0)} ms | ${median(phases.map((p) => p.buildMs)).toFixed(0)} ms | |`);
    await exporter.shutdown();
  } finally {
    await b.close();
    await viewer.stop();
  }
}

console.log('### Ingest and memory (one viewer per row, requests of 1,000 spans, one at a time)\n');
console.log('| encoding | spans | bytes/span on the wire | spans/s ingested | RSS at 10k | RSS at end | held / evicted traces |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
if (!process.env['VIEWER_BENCH_BROWSER_ONLY']) {
  await ingest('protobuf', 100_000);
  await ingest('json', 100_000);
}
console.log('\n### In chromium (performance.now in the page; export timed from the exporter call)\n');
console.log('| what | | | |');
console.log('|---|---:|---:|---:|');
await browser();

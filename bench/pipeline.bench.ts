/**
 * What the export pipeline keeps and how a process ends, the tables of issue #12 rerun:
 *
 * 1. Batch-job loops of 200 000 spans (async body without I/O, sync body never yielding, and
 *    yielding with setImmediate every 256), each in a fresh process: spans ended, exported and
 *    dropped by tracelight's full init() pipeline, and exported by the official SDK
 *    (BasicTracerProvider + BatchSpanProcessor) on the same loop, both with an exporter that
 *    accepts at once; then the same with a slow exporter (50 ms per batch).
 * 2. How long a script that is done takes to exit with a collector that accepts connections and
 *    never answers (falling off its end, and after `await shutdown()`), and how long
 *    `await shutdown()` takes with the collector refusing connections.
 *
 * Usage: npm run bench -- pipeline   (env PIPELINE_BENCH_SPANS, default 200 000)
 */
import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { init, withSpan } from '../src/index.js';
import { header } from './lib.js';

const SPANS = Number(process.env['PIPELINE_BENCH_SPANS'] ?? 200_000);
const self = fileURLToPath(import.meta.url);
type Loop = 'async, no I/O' | 'sync, no yield' | 'yield every 256';
const LOOPS: Loop[] = ['async, no I/O', 'sync, no yield', 'yield every 256'];

class CountingExporter implements SpanExporter {
  spans = 0;
  constructor(private readonly delayMillis: number) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
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

async function runLoop(loop: Loop, span: () => unknown): Promise<void> {
  for (let i = 0; i < SPANS; i++) {
    if (loop === 'async, no I/O') await span();
    else span();
    if (loop === 'yield every 256' && i % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Child: one loop on one SDK; prints counts as JSON. */
async function child(sdk: string, loop: Loop, delayMillis: number): Promise<void> {
  const exporter = new CountingExporter(delayMillis);
  if (sdk === 'tracelight') {
    const handle = init({ serviceName: 'bench', exporter, flushOnExit: false });
    const body = loop === 'async, no I/O' ? () => withSpan('item', async () => undefined) : () => withSpan('item', () => undefined);
    const start = performance.now();
    await runLoop(loop, body);
    const ms = Math.round(performance.now() - start);
    const afterLoop = exporter.spans;
    await handle.forceFlush();
    const s = handle.stats();
    const dropped = s.dropped.queueFull + s.dropped.exportFailed + s.dropped.shutdown;
    console.log(JSON.stringify({ ended: s.spansEnded, ms, afterLoop, exported: exporter.spans, dropped, queued: s.queueDepth }));
    return;
  }
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const tracer = provider.getTracer('bench');
  const body =
    loop === 'async, no I/O'
      ? () => tracer.startActiveSpan('item', async (span) => span.end())
      : () => tracer.startActiveSpan('item', (span) => span.end());
  const start = performance.now();
  await runLoop(loop, body);
  const ms = Math.round(performance.now() - start);
  const afterLoop = exporter.spans;
  await provider.forceFlush();
  console.log(JSON.stringify({ ended: SPANS, ms, afterLoop, exported: exporter.spans, dropped: SPANS - exporter.spans, queued: 0 }));
}

function measure(sdk: string, loop: Loop, delayMillis: number): Record<string, number> {
  const r = spawnSync(process.execPath, [self, 'child', sdk, loop, String(delayMillis)], { encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`child ${sdk}/${loop} failed: ${r.stderr}`);
  return JSON.parse(line) as Record<string, number>;
}

/** Fixture scripts for the exit table: what a user's script does. */
const EXIT_SCRIPT = `
import { init, withSpan } from 'tracelight';
const [mode, count] = process.argv.slice(1);
const handle = init({ serviceName: 'exit-bench' });
for (let i = 0; i < Number(count); i++) await withSpan('item', async () => i);
console.log('done ' + Date.now());
if (mode === 'shutdown') { await handle.shutdown(); console.log('settled ' + Date.now()); }
`;

async function timeExit(mode: string, count: number, endpoint: string): Promise<{ toDone: number; toSettled?: number; toExit: number; code: number | null }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', EXIT_SCRIPT, mode, String(count)], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  const exitedAt = Date.now();
  const at = (word: string): number | undefined => {
    const m = new RegExp(`${word} (\\d+)`).exec(out);
    return m ? Number(m[1]) : undefined;
  };
  const done = at('done') ?? exitedAt;
  const settled = at('settled');
  return { toDone: 0, ...(settled === undefined ? {} : { toSettled: settled - done }), toExit: exitedAt - (settled ?? done), code };
}

async function main(): Promise<void> {
  console.log(`Export pipeline (${header()}): ${SPANS} spans per loop, each loop in a fresh process`);
  for (const delay of [0, 50]) {
    console.log(`\n### exporter answering ${delay === 0 ? 'at once' : `after ${delay} ms per batch`}\n`);
    console.log('| loop | ended | tracelight loop ms | exported during loop | exported | dropped | official loop ms | exported during loop | exported |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const loop of LOOPS) {
      const t = measure('tracelight', loop, delay);
      const o = measure('official', loop, delay);
      console.log(`| ${loop} | ${t['ended']} | ${t['ms']} | ${t['afterLoop']} | ${t['exported']} | ${t['dropped']} | ${o['ms']} | ${o['afterLoop']} | ${o['exported']} |`);
    }
  }

  const hanging = createServer((req) => req.resume());
  hanging.listen(0, '127.0.0.1');
  await once(hanging, 'listening');
  const hangUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  console.log('\n### process exit (ms), OTLP defaults (export timeout 30 s, OTLP timeout 10 s)\n');
  console.log('| collector | script | await shutdown() took | exit after the script is done |');
  console.log('|---|---|---:|---:|');
  for (const [label, url] of [
    ['hanging', hangUrl],
    ['refused', refusedUrl],
  ] as const) {
    for (const count of [100, 3000]) {
      const fall = await timeExit('fall-off', count, url);
      console.log(`| ${label} | ${count} spans, falls off its end | — | ${fall.toExit} |`);
      const shut = await timeExit('shutdown', count, url);
      console.log(`| ${label} | ${count} spans, \`await shutdown()\` | ${shut.toSettled ?? `never (exit code ${shut.code})`} | ${shut.toExit} |`);
    }
  }
  hanging.closeAllConnections();
  hanging.close();
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4] as Loop, Number(process.argv[5]));
else await main();

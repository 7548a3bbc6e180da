/**
 * What one `withSpan` call is made of: its parts timed one by one in the same process, in a loop
 * that yields to the event loop every 256 calls, on the main thread's CPU time (Linux
 * `/proc/thread-self/schedstat`, else the process's CPU time). Cases interleaved, order rotated,
 * medians over rounds. The per-part figures of bench/RESULTS.md ("Where the time goes") come
 * from here; compare parts within one run, not across runs.
 *
 * Usage: npm run bench -- hotpath   (env HOTPATH_BENCH_ROUNDS, default 9; HOTPATH_BENCH_OPS, 200 000)
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { header } from './lib.js';
import { init } from '../src/index.js';
import { TracelightBatchSpanProcessor } from '../src/exporters/batch-span-processor.js';
import { randomSpanId, randomTraceId } from '../src/span/ids.js';
import { LightSpan } from '../src/span/span.js';
import { LightTracerProvider } from '../src/span/tracer-provider.js';
import type { LightTracer } from '../src/span/tracer.js';
import { withSpan } from '../src/span/with-span.js';
import { DiscardExporter, mainThreadCpuNs } from './lib.js';


const NOOP_PROCESSOR: SpanProcessor = {
  onStart() {},
  onEnd() {},
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};


let sink = 0;
function work(): number {
  return (sink = (sink + 1) | 0);
}

const handle = init({ exporter: new DiscardExporter(), serviceName: 'bench', flushOnExit: false });
const manager = new AsyncLocalStorage<object>();
const noopTracer = new LightTracerProvider({ spanProcessors: [NOOP_PROCESSOR] }).getTracer('parts') as LightTracer;
const batchTracer = new LightTracerProvider({
  spanProcessors: [new TracelightBatchSpanProcessor(new DiscardExporter())],
}).getTracer('parts') as LightTracer;
const spanContext = { traceId: randomTraceId(), spanId: randomSpanId(), traceFlags: 3 };
const store = {};

const cases: Record<string, () => unknown> = {
  'direct call (loop overhead)': work,
  'trace id + span id': () => (sink = (sink + randomTraceId().length + randomSpanId().length) | 0),
  '2 × performance.now()': () => (sink = (sink + (performance.now() - performance.now())) | 0),
  'AsyncLocalStorage getStore()': () => manager.getStore(),
  'AsyncLocalStorage run(store, fn, a, b)': () => manager.run(store, work as (a: number, b: number) => number, 1, 2),
  'new LightSpan (no processor call)': () => new LightSpan(noopTracer._rt, spanContext, 'op', 0, undefined, undefined),
  'new LightSpan + end() (no-op processor)': () =>
    new LightSpan(noopTracer._rt, spanContext, 'op', 0, undefined, undefined).end(),
  'tracer.startSpan (no-op processor)': () => noopTracer.startSpan('op'),
  'tracer.startSpan + end (no-op processor)': () => noopTracer.startSpan('op').end(),
  'tracer.startSpan + end (our batch processor, discarding exporter)': () => batchTracer.startSpan('op').end(),
  'withSpan, sync body (full init())': () => withSpan('op', work),
};

const ROUNDS = Number(process.env.HOTPATH_BENCH_ROUNDS ?? 9);
const OPS = Number(process.env.HOTPATH_BENCH_OPS ?? 200_000);
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const names = Object.keys(cases);
const samples = new Map<string, number[]>(names.map((n) => [n, []]));
for (let r = 0; r < ROUNDS + 2; r++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + r) % names.length]!;
    const fn = cases[name]!;
    const cpu0 = mainThreadCpuNs();
    for (let i = 0; i < OPS; i++) {
      fn();
      if ((i & 255) === 255) await yieldToLoop();
    }
    // The first two rounds warm up.
    if (r >= 2) samples.get(name)!.push((mainThreadCpuNs() - cpu0) / OPS);
  }
}
await handle.forceFlush();

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const lines = [
  `### Parts of the span hot path (${header()})`,
  '',
  `_${ROUNDS} rounds × ${OPS} calls after 2 warm-up rounds, yielding every 256 calls, one process, interleaved; main-thread CPU ns per call (loop overhead included)_`,
  '',
  '| part | CPU ns/call |',
  '|---|---:|',
];
for (const name of names) lines.push(`| ${name} | ${median(samples.get(name)!).toFixed(0)} |`);
const stats = handle.stats();
lines.push('', `_withSpan spans: ended ${stats.spansEnded}, exported ${stats.exported}, dropped ${stats.dropped.queueFull + stats.dropped.exportFailed + stats.dropped.shutdown}_`);
console.log(lines.join('\n') + '\n');

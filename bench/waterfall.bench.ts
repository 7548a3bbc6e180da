/**
 * Console waterfall formatting cost for 10,000-span traces (issue #23): `renderWaterfall` with
 * repeated siblings folded (the default) against every span printed (`collapseRepeated: false`,
 * the renderer before folding), on three shapes:
 * - an N+1 loop: a root and 10,000 `SELECT items` children (one key: folds to one line);
 * - a varied tree: 100 requests of 99 distinct steps each (nothing to fold: the key cost alone);
 * - a mixed tree: 100 requests of 99 children drawn from 3 queries (folds per request).
 * Spans are made once by the official SDK (in-memory exporter), at fixed times; each operation
 * renders the whole trace at 120 columns without colour. Lines printed are counted per case.
 * With `BENCH_OLD_RENDERER`, the renderer of an earlier commit runs interleaved as the baseline.
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { Context, HrTime } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { renderWaterfall } from '../src/exporters/waterfall/render.js';
import type { ReadableSpan as SdkSpan } from '../src/internal/sdk.js';
import { header, mainThreadCpuNs } from './lib.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? 3);

const memory = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
const tracer = provider.getTracer('bench');
const BASE = 1_700_000_000;
const at = (us: number): HrTime => [BASE + Math.floor(us / 1e6), Math.round(us % 1e6) * 1000];

function span(name: string, from: number, to: number, parent: Context | undefined, attributes: Record<string, string> = {}): Context {
  const s = tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: at(from), attributes }, parent ?? context.active());
  s.end(at(to));
  return trace.setSpan(context.active(), s);
}

/** A root (0 to `length` µs) with `fill(root)` under it; returns the trace's spans. */
function traceOf(length: number, fill: (root: Context) => void): ReadableSpan[] {
  memory.reset();
  const root = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: at(0) });
  fill(trace.setSpan(context.active(), root));
  root.end(at(length));
  return memory.getFinishedSpans();
}

const nPlusOne = traceOf(10_000 * 50, (root) => {
  for (let i = 0; i < 9_999; i++) span('SELECT items', i * 50, i * 50 + 20 + (i % 7), root, { 'db.query.text': 'SELECT * FROM items WHERE id = $1' });
});
const varied = traceOf(100 * 100 * 50, (root) => {
  for (let r = 0; r < 100; r++) {
    const request = span(`handler ${r}`, r * 5000, r * 5000 + 4950, root);
    for (let i = 0; i < 99; i++) span(`step ${i}`, r * 5000 + i * 50, r * 5000 + i * 50 + 40, request);
  }
});
const mixed = traceOf(100 * 100 * 50, (root) => {
  for (let r = 0; r < 100; r++) {
    const request = span(`handler ${r}`, r * 5000, r * 5000 + 4950, root);
    for (let i = 0; i < 99; i++) span('query', r * 5000 + i * 50, r * 5000 + i * 50 + 40, request, { 'db.query.text': `SELECT ${i % 3}` });
  }
});

/**
 * The renderer before folding, for the "before" column: `BENCH_OLD_RENDERER` names a bundle of
 * `src/exporters/waterfall/render.ts` at an earlier commit (see bench/RESULTS.md for the command).
 */
type Render = (spans: SdkSpan[], options: { width: number; color: boolean; collapseRepeated?: boolean }) => string[];
const oldPath = process.env['BENCH_OLD_RENDERER'];
const oldRender: Render | undefined = oldPath ? ((await import(oldPath)) as { renderWaterfall: Render }).renderWaterfall : undefined;

/** Main-thread CPU per render (ns), cases interleaved and rotated each round, median over rounds. */
function measure(cases: Record<string, () => unknown>): Record<string, number> {
  const names = Object.keys(cases);
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  for (const n of names) cases[n]!(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + r) % names.length]!;
      const start = mainThreadCpuNs();
      for (let i = 0; i < ITERATIONS; i++) cases[n]!();
      samples.get(n)!.push((mainThreadCpuNs() - start) / ITERATIONS);
    }
  }
  const medians: Record<string, number> = {};
  for (const [n, values] of samples) {
    const sorted = [...values].sort((a, b) => a - b);
    medians[n] = sorted[sorted.length >> 1]!;
  }
  return medians;
}

console.log(header());
console.log(`\n${ROUNDS} rounds × ${ITERATIONS} renders per case, main-thread CPU ms per render (median), 120 columns, no colour\n`);
console.log('| trace (spans) | case | lines | ms per render | ratio |');
console.log('|---|---|---:|---:|---:|');
const shapes = { 'N+1 loop': nPlusOne, 'varied tree': varied, 'mixed tree': mixed };
for (const [name, spans] of Object.entries(shapes)) {
  const input = spans as unknown as SdkSpan[];
  const cases: Record<string, () => string[]> = {};
  if (oldRender) cases['before folding (5f1c590)'] = () => oldRender(input, { width: 120, color: false });
  cases['collapseRepeated: false'] = () => renderWaterfall(input, { width: 120, color: false, collapseRepeated: false });
  cases['collapseRepeated: true (default)'] = () => renderWaterfall(input, { width: 120, color: false });
  if (oldRender && oldRender(input, { width: 120, color: false }).join('\n') !== cases['collapseRepeated: false']!().join('\n')) {
    throw new Error(`${name}: collapseRepeated: false does not print what the renderer before folding printed`);
  }
  const medians = measure(cases);
  const base = medians[Object.keys(cases)[0]!]!;
  for (const [label, fn] of Object.entries(cases)) {
    console.log(`| ${name} (${spans.length}) | ${label} | ${fn().length} | ${(medians[label]! / 1e6).toFixed(1)} | ${(medians[label]! / base).toFixed(2)} |`);
  }
}
await provider.shutdown();

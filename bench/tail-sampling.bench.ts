/**
 * The per-span cost of tail sampling (issue #19): the tail processor in front of the batch
 * processor, against tracelight's default pipeline (batch processor only) and the official SDK
 * (BasicTracerProvider + BatchSpanProcessor), all exporting to an exporter that discards.
 *
 * One operation is a request-shaped fragment of 4 spans: a root (no parent) with three nested
 * children, made with `startActiveSpan` on each provider. Every 20th fragment has a child with
 * status ERROR, every 50th a root that started 2 s ago (slow); tail sampling keeps those and a
 * 10% baseline (`keep-errors-and-slow`), or everything (`baseline: 1`, the cost of holding spans
 * without the saving of dropping them).
 *
 * All cases run in one process, interleaved (order rotated each round), on tracelight's context
 * manager (one global per process); the loop yields (`await setImmediate`) every 32 fragments,
 * as an application with I/O does, so that batch processors can export inside the timed loop.
 * Reported per span: median wall ns and main-thread CPU ns over rounds, ratios to the official
 * SDK and to the default pipeline; spans ended, exported, dropped by tail decisions and lost
 * (batch queue full, export failed): after each round a `forceFlush()` (not timed) settles them,
 * and `ended = exported + tail dropped + lost` is checked.
 *
 * With `TAIL_BENCH_SHAPE=interleaved`, 16 fragments are open at once and their spans start and
 * end in turn (concurrent requests), so the one-entry fragment cache misses and every lookup goes
 * to the Map.
 *
 * Usage: npm run bench -- tail-sampling   (env TAIL_BENCH_ROUNDS (default 9), TAIL_BENCH_OPS (20 000 fragments per round),
 * TAIL_BENCH_SHAPE (nested | interleaved))
 */
import { context, trace, type Span, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TracelightContextManager } from '../src/context/async-local-storage-context-manager.js';
import { TracelightBatchSpanProcessor } from '../src/exporters/batch-span-processor.js';
import { resolveTailSampling } from '../src/sampling/tail-sampling-options.js';
import type { TailSamplingOptions, TailSamplingPreset } from '../src/sampling/tail-sampling-options.js';
import { TailSamplingProcessor } from '../src/sampling/tail-sampling-processor.js';
import { LightTracerProvider } from '../src/span/tracer-provider.js';
import { DiscardExporter, header, mainThreadCpuNs, work } from './lib.js';

const ROUNDS = Number(process.env['TAIL_BENCH_ROUNDS'] ?? 9);
const OPS = Number(process.env['TAIL_BENCH_OPS'] ?? 20_000);
/** `nested` (default): one fragment after another. `interleaved`: 16 fragments open at once, their spans started and ended in turn, as concurrent requests do. */
const SHAPE = process.env['TAIL_BENCH_SHAPE'] === 'interleaved' ? 'interleaved' : 'nested';
const CONCURRENT = 16;
const SPANS_PER_OP = 4;
const YIELD_EVERY = 32;

interface Counts {
  exported: number;
  tailDropped: number;
  lost: number;
}

interface Subject {
  tracer: Tracer | undefined;
  flush(): Promise<void>;
  counts(): Counts;
}

function official(): Subject {
  const exporter = new DiscardExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  return {
    tracer: provider.getTracer('bench'),
    flush: () => provider.forceFlush(),
    // The official processor does not count drops: what was ended and not exported is lost.
    counts: () => ({ exported: exporter.spans, tailDropped: 0, lost: -1 }),
  };
}

function tracelight(tail?: TailSamplingOptions | TailSamplingPreset): Subject {
  const exporter = new DiscardExporter();
  const batch = new TracelightBatchSpanProcessor(exporter);
  const processor = tail === undefined ? undefined : new TailSamplingProcessor([batch], resolveTailSampling(tail));
  const provider = new LightTracerProvider({ spanProcessors: [processor ?? batch] });
  return {
    tracer: provider.getTracer('bench'),
    flush: () => provider.forceFlush(),
    counts: () => {
      const b = batch.stats();
      return {
        exported: exporter.spans,
        tailDropped: processor?.stats().spansDropped ?? 0,
        lost: b.droppedQueueFull + b.droppedExportFailed + b.droppedShutdown,
      };
    },
  };
}

const untraced: Subject = { tracer: undefined, flush: async () => undefined, counts: () => ({ exported: 0, tailDropped: 0, lost: 0 }) };

const TWO_SECONDS_AGO = (): number => Date.now() - 2000;

/** One request-shaped fragment: root, child, grandchild, a second child; some fail, some are slow. */
function fragment(tracer: Tracer | undefined, i: number): void {
  if (tracer === undefined) {
    work();
    work();
    work();
    work();
    return;
  }
  const slow = i % 50 === 49;
  tracer.startActiveSpan('GET /orders/:id', slow ? { startTime: TWO_SECONDS_AGO() } : {}, (root: Span) => {
    work();
    tracer.startActiveSpan('load order', (child: Span) => {
      work();
      tracer.startActiveSpan('db.query', (db: Span) => {
        work();
        db.end();
      });
      child.end();
    });
    tracer.startActiveSpan('render', (render: Span) => {
      if (i % 20 === 19) render.setStatus({ code: 2, message: 'template failed' });
      render.end();
    });
    root.end();
  });
}

/** `CONCURRENT` fragments of 4 spans whose starts and ends alternate between the fragments. */
function interleaved(tracer: Tracer | undefined, i0: number): void {
  if (tracer === undefined) {
    for (let k = 0; k < CONCURRENT * SPANS_PER_OP; k++) work();
    return;
  }
  const roots: Span[] = [];
  const children: Span[] = [];
  for (let j = 0; j < CONCURRENT; j++) {
    const i = i0 + j;
    roots.push(tracer.startSpan('GET /orders/:id', i % 50 === 49 ? { startTime: TWO_SECONDS_AGO() } : {}));
  }
  for (let j = 0; j < CONCURRENT; j++) children.push(tracer.startSpan('load order', {}, trace.setSpan(context.active(), roots[j]!)));
  for (let j = 0; j < CONCURRENT; j++) {
    work();
    tracer.startSpan('db.query', {}, trace.setSpan(context.active(), children[j]!)).end();
  }
  for (let j = 0; j < CONCURRENT; j++) children[j]!.end();
  for (let j = 0; j < CONCURRENT; j++) {
    const render = tracer.startSpan('render', {}, trace.setSpan(context.active(), roots[j]!));
    if ((i0 + j) % 20 === 19) render.setStatus({ code: 2, message: 'template failed' });
    render.end();
  }
  for (let j = 0; j < CONCURRENT; j++) roots[j]!.end();
}

async function run(subject: Subject, ops: number): Promise<{ wallNs: number; cpuNs: number }> {
  const wall0 = process.hrtime.bigint();
  const cpu0 = mainThreadCpuNs();
  if (SHAPE === 'interleaved') {
    for (let i = 0; i < ops; i += CONCURRENT) {
      interleaved(subject.tracer, i);
      if (i % YIELD_EVERY === YIELD_EVERY - CONCURRENT) await new Promise((resolve) => setImmediate(resolve));
    }
  } else {
    for (let i = 0; i < ops; i++) {
      fragment(subject.tracer, i);
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { wallNs: Number(process.hrtime.bigint() - wall0), cpuNs: mainThreadCpuNs() - cpu0 };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  context.setGlobalContextManager(new TracelightContextManager());
  const subjects: Record<string, Subject> = {
    untraced,
    'official SDK (batch)': official(),
    'tracelight default (batch)': tracelight(),
    "tracelight + tail 'keep-errors-and-slow'": tracelight('keep-errors-and-slow'),
    'tracelight + tail, baseline 1 (keeps all)': tracelight({ baseline: 1 }),
  };
  const names = Object.keys(subjects);
  const samples = new Map<string, { wallNs: number; cpuNs: number }[]>(names.map((n) => [n, []]));
  // Warm-up, not recorded.
  for (const n of names) {
    await run(subjects[n]!, 2000);
    await subjects[n]!.flush();
  }
  const ended = new Map<string, number>(names.map((n) => [n, 0]));
  const before = new Map(names.map((n) => [n, subjects[n]!.counts()]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + r) % names.length]!;
      samples.get(n)!.push(await run(subjects[n]!, OPS));
      await subjects[n]!.flush();
      if (n !== 'untraced') ended.set(n, ended.get(n)! + OPS * SPANS_PER_OP);
    }
  }
  console.log(`### Tail sampling: per-span cost, ${SHAPE} fragments (${header()})\n`);
  console.log(
    `_${ROUNDS} rounds × ${OPS} fragments of ${SPANS_PER_OP} spans (1 in 20 with an error, 1 in 50 slow), interleaved in one process, ` +
      `\`await setImmediate\` every ${YIELD_EVERY} fragments; ns per span (untraced: per the same 4 units of work); ` +
      `CPU = main thread's time on a CPU; ratios of medians; counts over the timed rounds, after a forceFlush per round_\n`,
  );
  const lines = [
    '| case | wall ns/span | vs official | vs default | CPU ns/span | CPU vs official | CPU vs default | ended | exported | tail dropped | lost |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const per = (n: string, key: 'wallNs' | 'cpuNs'): number => median(samples.get(n)!.map((x) => x[key])) / (OPS * SPANS_PER_OP);
  const off = 'official SDK (batch)';
  const def = 'tracelight default (batch)';
  let ok = true;
  for (const n of names) {
    const c = subjects[n]!.counts();
    const b = before.get(n)!;
    const exported = c.exported - b.exported;
    const tailDropped = c.tailDropped - b.tailDropped;
    const e = ended.get(n)!;
    const lost = c.lost === -1 ? e - exported : c.lost - b.lost;
    if (n !== 'untraced' && exported + tailDropped + lost !== e) ok = false;
    const ratio = (a: string, key: 'wallNs' | 'cpuNs'): string => (per(n, key) / per(a, key)).toFixed(2);
    lines.push(
      `| ${n} | ${per(n, 'wallNs').toFixed(1)} | ${ratio(off, 'wallNs')} | ${ratio(def, 'wallNs')} | ${per(n, 'cpuNs').toFixed(1)} | ${ratio(off, 'cpuNs')} | ${ratio(def, 'cpuNs')} | ` +
        `${n === 'untraced' ? '–' : e} | ${n === 'untraced' ? '–' : exported} | ${n === 'untraced' ? '–' : tailDropped} | ${n === 'untraced' ? '–' : lost} |`,
    );
  }
  console.log(lines.join('\n') + '\n');
  if (!ok) {
    console.log('**accounting failed: ended ≠ exported + tail dropped + lost for some row**');
    process.exitCode = 1;
  }
}

await main();

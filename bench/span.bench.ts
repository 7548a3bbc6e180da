/**
 * The `withSpan` hot path against the official SDK's `startActiveSpan`, every span sent through a
 * batch processor to an exporter that discards, with floor rows that show Node's own share.
 *
 * Two loops, each with a sync and an async body:
 * - tight: one call after another (`await` each call for async bodies), never yielding to the
 *   event loop: a batch job that awaits only promises. A batch processor that waits for a later
 *   event-loop phase drops spans here, and dropping is cheaper than exporting.
 * - yield: the same, but `await setImmediate` every 256 calls, as an application with I/O does;
 *   the batch hand-off and export run inside the timed loop.
 *
 * Every configuration reports the spans it ended, exported and dropped over the timed loop
 * (after a final `forceFlush()`, not timed): tracelight's from `handle.stats()`, the official
 * SDK's counted in the exporter (dropped = ended - exported). **A figure counts only where
 * nothing was dropped**; the table marks the rows that dropped.
 *
 * Configurations:
 * - official: `BasicTracerProvider` + official `BatchSpanProcessor` + discarding exporter, on the
 *   official `AsyncLocalStorageContextManager`: `tracer.startActiveSpan(name, span => { …; span.end() })`.
 * - withSpan (full init()): `init({ exporter })` with the same discarding exporter, i.e. our tracer,
 *   context manager, redactor and `TracelightBatchSpanProcessor`.
 * - floors: a direct call; one `AsyncLocalStorage.run`; the "physical floor" of any root span,
 *   two `performance.now()` readings and a random trace id and span id (our pooled generator).
 *
 * Every (configuration, round) runs in a FRESH child process (this file re-spawns itself with the
 * configuration name as argument and reads one JSON line from stdout); rounds are interleaved
 * across configurations (order rotated each round). Ratio = median over rounds of (ns/op ÷ the
 * official row's ns/op of the same loop, body and round).
 *
 * Usage: npm run bench -- span   (env SPAN_BENCH_ROUNDS (default 7), SPAN_BENCH_SYNC_OPS (200 000),
 * SPAN_BENCH_ASYNC_OPS (100 000), SPAN_BENCH_ONLY=<comma-separated substrings of configuration names>)
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { context, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { header, runInterleaved } from './lib.js';
import { init } from '../src/index.js';
import { randomSpanId, randomTraceId } from '../src/span/ids.js';
import { withSpan } from '../src/span/with-span.js';
import { asyncWork, DiscardExporter, mainThreadCpuNs, work } from './lib.js';

/** Keeps the floor rows' results alive. */
let sink = 0;


type Kind = 'sync' | 'async';
type Loop = 'tight' | 'yield';
type Body = () => unknown;

/** Spans ended / exported / dropped so far, as the pipeline under test counts them. */
interface Counts {
  ended: number;
  exported: number;
  dropped: number;
}

interface Subject {
  body: Body;
  /** Undefined for floors (no spans). */
  counts?: () => Counts;
  flush?: () => Promise<void>;
}


/** Calls made so far by the timed loops (each ends exactly one span in the span rows). */
let calls = 0;

const SUBJECTS: Record<string, (kind: Kind) => Subject> = {
  'official startActiveSpan': (kind) => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const exporter = new DiscardExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    const tracer = provider.getTracer('bench');
    const body =
      kind === 'sync'
        ? () =>
            tracer.startActiveSpan('op', (span: Span) => {
              const r = work();
              span.end();
              return r;
            })
        : () =>
            tracer.startActiveSpan('op', async (span: Span) => {
              const r = await asyncWork();
              span.end();
              return r;
            });
    return {
      body,
      // Every call ends its span; the exporter counts what reached it.
      counts: () => ({ ended: calls, exported: exporter.spans, dropped: calls - exporter.spans }),
      flush: () => provider.forceFlush(),
    };
  },
  'withSpan (full init())': (kind) => {
    const handle = init({ exporter: new DiscardExporter(), serviceName: 'bench', flushOnExit: false });
    return {
      body: kind === 'sync' ? () => withSpan('op', work) : () => withSpan('op', asyncWork),
      counts: () => {
        const s = handle.stats();
        return { ended: s.spansEnded, exported: s.exported, dropped: s.dropped.queueFull + s.dropped.exportFailed + s.dropped.shutdown };
      },
      flush: () => handle.forceFlush(),
    };
  },
  'AsyncLocalStorage.run alone (floor)': (kind) => {
    const als = new AsyncLocalStorage<object>();
    const fn: () => unknown = kind === 'sync' ? work : asyncWork;
    return { body: () => als.run(ROOT_CONTEXT, fn) };
  },
  // What any root span costs at least: two clock readings and its two random ids (our pooled
  // CSPRNG generator; one `randomFillSync` per span would cost ~5 µs on its own).
  'physical floor: 2 × performance.now() + trace id + span id': (kind) => ({
    body:
      kind === 'sync'
        ? () => {
            const t0 = performance.now();
            sink = (sink + randomTraceId().length + randomSpanId().length) | 0;
            const r = work();
            sink = (sink + (performance.now() - t0)) | 0;
            return r;
          }
        : async () => {
            const t0 = performance.now();
            sink = (sink + randomTraceId().length + randomSpanId().length) | 0;
            const r = await asyncWork();
            sink = (sink + (performance.now() - t0)) | 0;
            return r;
          },
  }),
  'direct call (no tracing)': (kind) => ({ body: kind === 'sync' ? work : asyncWork }),
};
const OFFICIAL = 'official startActiveSpan';

const KINDS: Kind[] = ['sync', 'async'];
const LOOPS: Loop[] = ['tight', 'yield'];
const YIELD_EVERY = 256;

function configName(kind: Kind, loop: Loop, subject: string): string {
  return `${kind} ${loop}: ${subject}`;
}
function parseName(name: string): { kind: Kind; loop: Loop; subject: string } {
  const m = /^(sync|async) (tight|yield): (.*)$/.exec(name);
  if (!m || !SUBJECTS[m[3]!]) throw new Error(`unknown configuration ${name}`);
  return { kind: m[1] as Kind, loop: m[2] as Loop, subject: m[3]! };
}

const SYNC_OPS = Number(process.env.SPAN_BENCH_SYNC_OPS ?? 200_000);
const ASYNC_OPS = Number(process.env.SPAN_BENCH_ASYNC_OPS ?? 100_000);
const ROUNDS = Number(process.env.SPAN_BENCH_ROUNDS ?? 7);

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));


/** Runs `ops` calls; returns elapsed and main-thread CPU ns per call. The yields' own cost is part of both. */
async function timeLoop(body: Body, ops: number, kind: Kind, loop: Loop): Promise<{ ns: number; cpuNs: number }> {
  const cpu0 = mainThreadCpuNs();
  const start = performance.now();
  if (kind === 'sync' && loop === 'tight') {
    for (let i = 0; i < ops; i++) body();
  } else if (kind === 'sync') {
    for (let i = 0; i < ops; i++) {
      body();
      if ((i & (YIELD_EVERY - 1)) === YIELD_EVERY - 1) await yieldToLoop();
    }
  } else if (loop === 'tight') {
    for (let i = 0; i < ops; i++) await body();
  } else {
    for (let i = 0; i < ops; i++) {
      await body();
      if ((i & (YIELD_EVERY - 1)) === YIELD_EVERY - 1) await yieldToLoop();
    }
  }
  const ns = ((performance.now() - start) * 1e6) / ops;
  const cpuNs = (mainThreadCpuNs() - cpu0) / ops;
  calls += ops;
  return { ns, cpuNs };
}

interface Sample {
  ns: number;
  cpuNs: number;
  ended?: number;
  exported?: number;
  dropped?: number;
}

/** Child: warm up, flush, measure one round, flush, print the sample as one JSON line. */
async function child(name: string): Promise<void> {
  const { kind, loop, subject } = parseName(name);
  const s = SUBJECTS[subject]!(kind);
  const ops = kind === 'async' ? ASYNC_OPS : SYNC_OPS;
  await timeLoop(s.body, Math.min(ops, 50_000), kind, loop);
  await s.flush?.();
  (globalThis as { gc?: () => void }).gc?.();
  const before = s.counts?.();
  const { ns, cpuNs } = await timeLoop(s.body, ops, kind, loop);
  await s.flush?.();
  const sample: Sample = { ns, cpuNs };
  if (before !== undefined) {
    const after = s.counts!();
    sample.ended = after.ended - before.ended;
    sample.exported = after.exported - before.exported;
    sample.dropped = after.dropped - before.dropped;
  }
  process.stdout.write(JSON.stringify(sample) + '\n');
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function fmt(n: number | undefined): string {
  return n === undefined ? '–' : n.toLocaleString('en-US').replace(/,/g, ' ');
}

function parent(): void {
  const only = process.env.SPAN_BENCH_ONLY?.split(',');
  const all: string[] = [];
  for (const kind of KINDS) for (const loop of LOOPS) for (const subject of Object.keys(SUBJECTS)) all.push(configName(kind, loop, subject));
  const names = all.filter((n) => only === undefined || only.some((o) => n.includes(o)));
  const samples = runInterleaved<Sample>(names, ROUNDS);
  if (samples === undefined) return;
  console.log(`### withSpan vs official startActiveSpan (${header()})\n`);
  console.log(
    `_${ROUNDS} rounds, one fresh process per configuration and round, interleaved; sync ${SYNC_OPS} / async ${ASYNC_OPS} calls per round; ` +
      `yield = \`await setImmediate\` every ${YIELD_EVERY} calls; wall = elapsed time, CPU = the main thread's time on a CPU (/proc/thread-self/schedstat); ` +
      `ratio = median over rounds of (ns/op ÷ official ns/op of the same loop, body and round), per round: the wall ratios; ` +
      `ended / exported / dropped: median per round; **DROPPED** marks a row that lost spans in some round (its figure does not count)_\n`,
  );
  const lines = [
    '| loop | case | wall ns/op | ratio | per round | CPU ns/op | CPU ratio | ended | exported | dropped |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const kind of KINDS) {
    for (const loop of LOOPS) {
      const base = samples.get(configName(kind, loop, OFFICIAL));
      for (const subject of Object.keys(SUBJECTS)) {
        const name = configName(kind, loop, subject);
        const s = samples.get(name);
        if (s === undefined) continue;
        const ratios = base === undefined ? [] : s.map((x, i) => x.ns / base[i]!.ns);
        const cpuRatios = base === undefined ? [] : s.map((x, i) => x.cpuNs / base[i]!.cpuNs);
        const spans = s[0]!.ended !== undefined;
        const dropped = spans && s.some((x) => x.dropped! > 0 || x.exported !== x.ended);
        lines.push(
          `| ${kind} ${loop} | ${subject}${dropped ? ' **DROPPED**' : ''} | ${median(s.map((x) => x.ns)).toFixed(1)} | ` +
            `${ratios.length ? median(ratios).toFixed(2) : '–'} | ${ratios.map((x) => x.toFixed(2)).join(' ')} | ` +
            `${median(s.map((x) => x.cpuNs)).toFixed(1)} | ${cpuRatios.length ? median(cpuRatios).toFixed(2) : '–'} | ` +
            `${spans ? fmt(median(s.map((x) => x.ended!))) : '–'} | ${spans ? fmt(median(s.map((x) => x.exported!))) : '–'} | ` +
            `${spans ? fmt(median(s.map((x) => x.dropped!))) : '–'} |`,
        );
      }
    }
  }
  console.log(lines.join('\n') + '\n');
}

const arg = process.argv[2];
if (arg === undefined) parent();
else await child(arg);

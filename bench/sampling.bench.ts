/**
 * The per-span cost of each head sampler, in the full pipeline, against the default sampler and
 * against the official SDK (issue #19).
 *
 * Each call starts a root span and one child (`withSpan('op', () => withSpan('child', work))`, or
 * the official `startActiveSpan` nested the same way): the root takes the sampler's decision for
 * a new trace, the child its parent-based one. Sync body, yielding loop (`await setImmediate`
 * every 256 calls, as an application with I/O does), every kept span sent through the batch
 * processor to an exporter that counts and discards. Every configuration reports the spans it
 * ended, exported and dropped (tracelight: `handle.stats()`; official: counted in the exporter);
 * **a figure counts only where nothing was dropped**.
 *
 * Configurations:
 * - official default: `BasicTracerProvider` (ParentBased(AlwaysOn)) + `BatchSpanProcessor`.
 * - official + sampler-composite 10%: the same with `@opentelemetry/sampler-composite` 0.222
 *   (`createCompositeSampler(createComposableParentThresholdSampler(createComposableProbabilitySampler(0.1)))`).
 * - official + ParentBased(TraceIdRatioBased 10%): the stable SDK's ratio sampler (not consistent).
 * - tracelight default / `sampler: 1` / `sampler: 0.1` / `{ ratePerSecond: 1000 }`, and tracelight with
 *   the sampler-composite sampler passed as `sampler` (same tracer, the sampler is the difference).
 *
 * One fresh process per (configuration, round), rounds interleaved (order rotated), ratio = median
 * over rounds of (ns/op ÷ the official default's ns/op in the same round). Then, in this process,
 * the cost of `shouldSample` alone for a new trace and for a child of a remote parent with `th`.
 *
 * Usage: npm run bench -- sampling   (env SAMPLING_BENCH_ROUNDS (default 7), SAMPLING_BENCH_OPS (100 000))
 */
import { performance } from 'node:perf_hooks';
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TraceState } from '@opentelemetry/core';
import {
  createComposableParentThresholdSampler,
  createComposableProbabilitySampler,
  createCompositeSampler,
} from '@opentelemetry/sampler-composite';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { compare, DiscardExporter, header, mainThreadCpuNs, runInterleaved, work } from './lib.js';
import { init, type TracelightOptions } from '../src/index.js';
import { createSampler } from '../src/config/sampler.js';
import { parseTraceState } from '../src/propagation/tracestate.js';
import { randomTraceId } from '../src/span/ids.js';
import { withSpan } from '../src/span/with-span.js';

interface Counts {
  ended: number;
  exported: number;
  dropped: number;
}
interface Subject {
  body: () => unknown;
  counts: () => Counts;
  flush: () => Promise<void>;
}

/** Spans ended by the official configurations (2 per call, or 0 when not sampled: counted by the processor). */
let officialEnded = 0;

function compositeSampler(ratio: number) {
  return createCompositeSampler(createComposableParentThresholdSampler(createComposableProbabilitySampler(ratio)));
}

function official(sampler?: Sampler): Subject {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new DiscardExporter();
  const batch = new BatchSpanProcessor(exporter);
  const counting = {
    onStart: () => {},
    onEnd: (span: { spanContext(): { traceFlags: number } }) => {
      if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) officialEnded++;
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const provider = new BasicTracerProvider({ sampler, spanProcessors: [counting, batch] });
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer('bench');
  return {
    body: () =>
      tracer.startActiveSpan('op', (span: Span) => {
        const r = tracer.startActiveSpan('child', (c: Span) => {
          const x = work();
          c.end();
          return x;
        });
        span.end();
        return r;
      }),
    counts: () => ({ ended: officialEnded, exported: exporter.spans, dropped: officialEnded - exporter.spans }),
    flush: () => provider.forceFlush(),
  };
}

function tracelight(sampler: TracelightOptions['sampler']): Subject {
  const handle = init({ exporter: new DiscardExporter(), serviceName: 'bench', flushOnExit: false, sampler });
  const child = () => withSpan('child', work);
  return {
    body: () => withSpan('op', child),
    counts: () => {
      const s = handle.stats();
      return { ended: s.spansEnded, exported: s.exported, dropped: s.dropped.queueFull + s.dropped.exportFailed + s.dropped.shutdown };
    },
    flush: () => handle.forceFlush(),
  };
}

const SUBJECTS: Record<string, () => Subject> = {
  'official default (ParentBased(AlwaysOn))': () => official(),
  'official + sampler-composite 10%': () => official(compositeSampler(0.1) as unknown as Sampler),
  'official + ParentBased(TraceIdRatioBased 10%)': () => official(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) })),
  'tracelight default': () => tracelight(undefined),
  'tracelight sampler: 1 (consistent, 100%)': () => tracelight(1),
  'tracelight sampler: 0.1 (consistent, 10%)': () => tracelight(0.1),
  'tracelight { ratePerSecond: 1000 }': () => tracelight({ ratePerSecond: 1000 }),
  'tracelight + sampler-composite 10% as sampler': () => tracelight(compositeSampler(0.1) as unknown as Sampler),
};
const BASELINE = 'official default (ParentBased(AlwaysOn))';

const OPS = Number(process.env.SAMPLING_BENCH_OPS ?? 100_000);
const ROUNDS = Number(process.env.SAMPLING_BENCH_ROUNDS ?? 7);
const YIELD_EVERY = 256;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function timeLoop(body: () => unknown, ops: number): Promise<{ ns: number; cpuNs: number }> {
  const cpu0 = mainThreadCpuNs();
  const start = performance.now();
  for (let i = 0; i < ops; i++) {
    body();
    if ((i & (YIELD_EVERY - 1)) === YIELD_EVERY - 1) await yieldToLoop();
  }
  return { ns: ((performance.now() - start) * 1e6) / ops, cpuNs: (mainThreadCpuNs() - cpu0) / ops };
}

interface Sample extends Counts {
  ns: number;
  cpuNs: number;
}

async function child(name: string): Promise<void> {
  const s = SUBJECTS[name]!();
  await timeLoop(s.body, Math.min(OPS, 30_000));
  await s.flush();
  (globalThis as { gc?: () => void }).gc?.();
  const before = s.counts();
  const { ns, cpuNs } = await timeLoop(s.body, OPS);
  await s.flush();
  const after = s.counts();
  const sample: Sample = { ns, cpuNs, ended: after.ended - before.ended, exported: after.exported - before.exported, dropped: after.dropped - before.dropped };
  process.stdout.write(JSON.stringify(sample) + '\n');
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const fmt = (n: number): string => n.toLocaleString('en-US').replace(/,/g, ' ');

async function parent(): Promise<void> {
  const names = Object.keys(SUBJECTS);
  const samples = runInterleaved<Sample>(names, ROUNDS);
  if (samples === undefined) return;
  console.log(`### Head samplers in the full pipeline: a root and a child per call (${header()})\n`);
  console.log(
    `_${ROUNDS} rounds, one fresh process per configuration and round, interleaved; ${OPS} calls (2 spans each) per round, sync body, ` +
      `\`await setImmediate\` every ${YIELD_EVERY} calls; ratio = median over rounds of (ns/op ÷ "${BASELINE}" ns/op of the same round); ` +
      `CPU = main thread's CPU time; ended / exported / dropped: sampled spans, median per round_\n`,
  );
  const base = samples.get(BASELINE)!;
  const lines = ['| case | wall ns/call | ratio | CPU ns/call | CPU ratio | ended | exported | dropped |', '|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const name of names) {
    const s = samples.get(name)!;
    const dropped = s.some((x) => x.dropped > 0 || x.exported !== x.ended);
    lines.push(
      `| ${name}${dropped ? ' **DROPPED**' : ''} | ${median(s.map((x) => x.ns)).toFixed(0)} | ${median(s.map((x, i) => x.ns / base[i]!.ns)).toFixed(2)} | ` +
        `${median(s.map((x) => x.cpuNs)).toFixed(0)} | ${median(s.map((x, i) => x.cpuNs / base[i]!.cpuNs)).toFixed(2)} | ` +
        `${fmt(median(s.map((x) => x.ended)))} | ${fmt(median(s.map((x) => x.exported)))} | ${fmt(median(s.map((x) => x.dropped)))} |`,
    );
  }
  console.log(lines.join('\n') + '\n');

  // shouldSample alone: the decision for a new trace, and for the child of a remote parent
  // sampled upstream at 1% (th:fd70a, consistent), the check each service entry makes.
  const ids = Array.from({ length: 1024 }, () => randomTraceId());
  const ours = createSampler(0.1);
  const theirs = compositeSampler(0.1);
  const remote = (state: { get(k: string): string | undefined }) =>
    ids.map((traceId) =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: traceId.slice(0, 18) + 'ff' + traceId.slice(20),
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.SAMPLED | 2,
        isRemote: true,
        traceState: state as never,
      }),
    );
  const ourParents = remote(parseTraceState('ot=th:fd70a,congo=t61rcWkgMzE'));
  const theirParents = remote(new TraceState('ot=th:fd70a,congo=t61rcWkgMzE'));
  let i = 0;
  let kept = 0;
  const run = (sampler: { shouldSample: Sampler['shouldSample'] }, parents?: typeof ourParents) => () => {
    const k = i++ & 1023;
    const ctx = parents === undefined ? ROOT_CONTEXT : parents[k]!;
    const traceId = parents === undefined ? ids[k]! : trace.getSpanContext(ctx)!.traceId;
    if (sampler.shouldSample(ctx, traceId, 'op', SpanKind.SERVER, {}, []).decision === 2) kept++;
  };
  await compare(
    `shouldSample alone at 10% (${header()})`,
    {
      'tracelight, new trace': run(ours),
      'sampler-composite, new trace': run(theirs),
      'tracelight, remote parent with th': run(ours, ourParents),
      'sampler-composite, remote parent with th': run(theirs, theirParents),
    },
    { iterations: 200_000, rounds: 9 },
  );
  if (kept === 0) console.log('(nothing kept?)');
}

const arg = process.argv[2];
if (arg === undefined) await parent();
else await child(arg);

/**
 * withSpan vs the official SDK's startActiveSpan, both feeding the official BatchSpanProcessor
 * with an exporter that discards, plus two floors: AsyncLocalStorage.run alone and a direct call.
 *
 * Every (configuration, round) runs in a FRESH child process (this file re-spawns itself with the
 * configuration name as argument and reads ns/op as JSON from stdout), rounds interleaved across
 * configurations, so JIT state and heap of one configuration never leak into another. tracelight
 * rows run with its own context manager (as init() registers it); the "official CM" row runs
 * withSpan on the official AsyncLocalStorageContextManager, to separate the two effects; the
 * "full init()" row is the whole pipeline init() builds (our batch processor included).
 *
 * Usage: npm run bench -- span   (env SPAN_BENCH_ROUNDS, SPAN_BENCH_SYNC_OPS, SPAN_BENCH_ASYNC_OPS,
 * SPAN_BENCH_ONLY=<substring of configuration names>)
 */
import { spawnSync } from 'node:child_process';
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { context, ROOT_CONTEXT, trace, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { header, printTable, type CaseResult } from './lib.js';
import { LightTracerProvider } from '../src/span/tracer-provider.js';
import { TracelightContextManager } from '../src/context/async-local-storage-context-manager.js';
import { init } from '../src/index.js';
import { TracelightBatchSpanProcessor } from '../src/exporters/batch-span-processor.js';
import { setWithSpanTracer, withSpan } from '../src/span/with-span.js';

class DiscardExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

type Body = () => unknown;
interface Config {
  kind: 'sync' | 'async';
  setup(): Body;
}

let sink = 0;
function work(): number {
  return (sink = (sink + 1) | 0);
}
async function asyncWork(): Promise<number> {
  await null;
  return work();
}

function officialTracer(ourProcessor = false): Tracer {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const processor = ourProcessor
    ? new TracelightBatchSpanProcessor(new DiscardExporter())
    : new BatchSpanProcessor(new DiscardExporter());
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  trace.setGlobalTracerProvider(provider);
  return provider.getTracer('bench');
}

let ourManager: TracelightContextManager | undefined;
function lightProvider(manager: 'ours' | 'official' = 'ours'): LightTracerProvider {
  ourManager = manager === 'ours' ? new TracelightContextManager() : undefined;
  context.setGlobalContextManager(ourManager ?? new AsyncLocalStorageContextManager().enable());
  return new LightTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DiscardExporter())] });
}

const configs: Record<string, Config> = {
  'sync: official startActiveSpan': {
    kind: 'sync',
    setup() {
      const tracer = officialTracer();
      return () =>
        tracer.startActiveSpan('op', (span: Span) => {
          const r = work();
          span.end();
          return r;
        });
    },
  },
  'sync: official startActiveSpan (tracelight batch processor)': {
    kind: 'sync',
    setup() {
      const tracer = officialTracer(true);
      return () =>
        tracer.startActiveSpan('op', (span: Span) => {
          const r = work();
          span.end();
          return r;
        });
    },
  },
  'sync: withSpan (init tracer)': {
    kind: 'sync',
    setup() {
      setWithSpanTracer(lightProvider().getTracer('tracelight'), ourManager);
      return () => withSpan('op', work);
    },
  },
  'sync: withSpan (init tracer, official CM)': {
    kind: 'sync',
    setup() {
      setWithSpanTracer(lightProvider('official').getTracer('tracelight'));
      return () => withSpan('op', work);
    },
  },
  'sync: withSpan (full init())': {
    kind: 'sync',
    setup() {
      init({ exporter: new DiscardExporter(), serviceName: 'bench' });
      return () => withSpan('op', work);
    },
  },
  'sync: withSpan (global lookup)': {
    kind: 'sync',
    setup() {
      trace.setGlobalTracerProvider(lightProvider());
      return () => withSpan('op', work);
    },
  },
  'sync: AsyncLocalStorage.run': {
    kind: 'sync',
    setup() {
      const als = new AsyncLocalStorage<object>();
      return () => als.run(ROOT_CONTEXT, work);
    },
  },
  'sync: direct call': {
    kind: 'sync',
    setup() {
      return work;
    },
  },
  'async: official startActiveSpan': {
    kind: 'async',
    setup() {
      const tracer = officialTracer();
      return () =>
        tracer.startActiveSpan('op', async (span: Span) => {
          const r = await asyncWork();
          span.end();
          return r;
        });
    },
  },
  'async: official startActiveSpan (tracelight batch processor)': {
    kind: 'async',
    setup() {
      const tracer = officialTracer(true);
      return () =>
        tracer.startActiveSpan('op', async (span: Span) => {
          const r = await asyncWork();
          span.end();
          return r;
        });
    },
  },
  'async: withSpan (init tracer)': {
    kind: 'async',
    setup() {
      setWithSpanTracer(lightProvider().getTracer('tracelight'), ourManager);
      return () => withSpan('op', asyncWork);
    },
  },
  'async: withSpan (full init())': {
    kind: 'async',
    setup() {
      init({ exporter: new DiscardExporter(), serviceName: 'bench' });
      return () => withSpan('op', asyncWork);
    },
  },
  'async: AsyncLocalStorage.run': {
    kind: 'async',
    setup() {
      const als = new AsyncLocalStorage<object>();
      return () => als.run(ROOT_CONTEXT, asyncWork);
    },
  },
  'async: direct call': {
    kind: 'async',
    setup() {
      return asyncWork;
    },
  },
};

const SYNC_OPS = Number(process.env.SPAN_BENCH_SYNC_OPS ?? 200_000);
const ASYNC_OPS = Number(process.env.SPAN_BENCH_ASYNC_OPS ?? 100_000);
const ROUNDS = Number(process.env.SPAN_BENCH_ROUNDS ?? 7);

async function timeOnce(body: Body, ops: number, isAsync: boolean): Promise<number> {
  const start = performance.now();
  if (isAsync) for (let i = 0; i < ops; i++) await body();
  else for (let i = 0; i < ops; i++) body();
  return ((performance.now() - start) * 1e6) / ops;
}

/** Child: warm up, measure one round, print `{"ns": …}`. */
async function child(name: string): Promise<void> {
  const config = configs[name];
  if (!config) throw new Error(`unknown configuration ${name}`);
  const body = config.setup();
  const isAsync = config.kind === 'async';
  const ops = isAsync ? ASYNC_OPS : SYNC_OPS;
  await timeOnce(body, Math.min(ops, 50_000), isAsync);
  (globalThis as { gc?: () => void }).gc?.();
  const ns = await timeOnce(body, ops, isAsync);
  process.stdout.write(JSON.stringify({ ns }) + '\n');
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function parent(): void {
  const only = process.env.SPAN_BENCH_ONLY; // e.g. "async:" to run one group
  const names = Object.keys(configs).filter((n) => only === undefined || n.includes(only));
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length]!;
      const res = spawnSync(process.execPath, ['--expose-gc', process.argv[1]!, name], { encoding: 'utf8' });
      const line = res.stdout.trim().split('\n').pop() ?? '';
      if (res.status !== 0 || !line.startsWith('{')) {
        console.error(`configuration "${name}" failed:\n${res.stderr}`);
        process.exitCode = 1;
        return;
      }
      samples.get(name)!.push((JSON.parse(line) as { ns: number }).ns);
    }
  }
  for (const kind of ['sync', 'async'] as const) {
    const group = names.filter((n) => configs[n]!.kind === kind);
    if (!group.includes(`${kind}: official startActiveSpan`)) continue;
    const base = median(samples.get(`${kind}: official startActiveSpan`)!);
    const results: CaseResult[] = group.map((name) => {
      const m = median(samples.get(name)!);
      return { name, medianNsPerOp: m, ratio: m / base };
    });
    const ops = kind === 'async' ? ASYNC_OPS : SYNC_OPS;
    printTable(
      `withSpan vs official startActiveSpan, ${kind} body (${header()})`,
      results,
      `${ROUNDS} rounds × ${ops} ops, one fresh process per configuration and round, interleaved; ` +
        `ratio vs official; official BatchSpanProcessor + discarding exporter (full init(): tracelight batch processor); official row on the official ALS context manager`,
    );
  }
}

const arg = process.argv[2];
if (arg === undefined) parent();
else await child(arg);

/**
 * HTTP server throughput and p99 latency: untraced vs tracelight vs the official OpenTelemetry
 * stack (NodeTracerProvider + instrumentation-http + instrumentation-undici), batch export to an
 * exporter that discards. Two scenarios: a minimal server, and a server that makes one
 * downstream `fetch` per request (downstream server untraced, in its own process).
 *
 * Every server runs in its own child process; the load comes from autocannon in another child
 * process (50 connections, BENCH_HTTP_SECONDS per run, default 5); configurations are
 * interleaved (order rotated each round, BENCH_HTTP_ROUNDS rounds, default 3) and the medians are
 * reported with their ratio to untraced. "AsyncLocalStorage.run only" is the floor of any
 * AsyncLocalStorage-based tracer: one `run` per request, no span. BENCH_HTTP_SCENARIOS=plain runs
 * one scenario.
 *
 * Every traced server reports the spans it ended, exported and dropped (over its whole life,
 * warm-up included, after a final forceFlush asked for over IPC): tracelight init() from
 * `handle.stats()`, the official-SDK configurations counted in their batch processor's `onEnd` and
 * in the exporter (dropped = ended - exported). A figure counts only where nothing was dropped.
 *
 * Targets (issue #12, one interleaved run): on Node 20, tracelight init() keeps >= 0.90 of the
 * AsyncLocalStorage floor's req/s and >= 1.4x the official stack's; on Node 22 and 24 >= 0.90 of
 * untraced; its added CPU per request over untraced <= 0.2x the official stack's
 * (bench/instructions/cpu.mjs). Each ratio is the median over rounds of the same-round ratio.
 *
 * This file is its own child: `--server <config> <scenario> [downstreamPort]` and `--downstream`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { header } from './lib.js';
import { load, median, startChild, stopChild, type Load as BaseLoad } from './server-load.js';
import { DiscardExporter } from './lib.js';

const SELF = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);

const CONFIGS = [
  'untraced',
  'AsyncLocalStorage.run only',
  'tracelight (official SDK)',
  'tracelight init()',
  'official OpenTelemetry',
] as const;
type Config = (typeof CONFIGS)[number];
const SCENARIOS = ['plain', 'fetch'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** BENCH_HTTP_SCENARIOS=plain (or fetch) runs one scenario only. */
const RUN_SCENARIOS = (process.env.BENCH_HTTP_SCENARIOS ?? SCENARIOS.join(','))
  .split(',')
  .filter((s): s is Scenario => (SCENARIOS as readonly string[]).includes(s));

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 50);

/** Drops every span, counting them: the bench measures tracing, not exporting. */
const discard = new DiscardExporter();

/** Spans ended / exported / dropped by this server so far, after a flush; undefined untraced. */
interface SpanCounts {
  ended: number;
  exported: number;
  dropped: number;
}
let readCounts: (() => Promise<SpanCounts>) | undefined;

/** The official BatchSpanProcessor, counting the spans handed to it (one increment per span). */
async function countingBatchProcessor(): Promise<{ processor: import('@opentelemetry/sdk-trace-base').SpanProcessor; ended: () => number }> {
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  let ended = 0;
  class CountingBatchSpanProcessor extends BatchSpanProcessor {
    override onEnd(span: import('@opentelemetry/sdk-trace-base').ReadableSpan): void {
      ended++;
      super.onEnd(span);
    }
  }
  return { processor: new CountingBatchSpanProcessor(discard), ended: () => ended };
}

// ---------------------------------------------------------------- child: servers

async function setUpTracing(config: Config): Promise<typeof import('node:http')> {
  if (config === 'tracelight (official SDK)') {
    const { context, propagation, trace } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
    const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
    const { enableHttpInstrumentation } = await import('../src/instrumentations/http/index.js');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const { processor, ended } = await countingBatchProcessor();
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    trace.setGlobalTracerProvider(provider);
    readCounts = async () => {
      await provider.forceFlush();
      return { ended: ended(), exported: discard.spans, dropped: ended() - discard.spans };
    };
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    enableHttpInstrumentation();
  } else if (config === 'tracelight init()') {
    const { init } = await import('../src/index.js');
    const handle = init({ serviceName: 'bench', exporter: discard, instrumentations: { http: true }, flushOnExit: false });
    readCounts = async () => {
      await handle.forceFlush();
      const s = handle.stats();
      return { ended: s.spansEnded, exported: s.exported, dropped: s.dropped.queueFull + s.dropped.exportFailed + s.dropped.shutdown };
    };
  } else if (config === 'official OpenTelemetry') {
    const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
    const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
    const { processor, ended } = await countingBatchProcessor();
    const provider = new NodeTracerProvider({ spanProcessors: [processor] });
    provider.register();
    readCounts = async () => {
      await provider.forceFlush();
      return { ended: ended(), exported: discard.spans, dropped: ended() - discard.spans };
    };
    registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()] });
  }
  // Loaded after set-up through require, as OpenTelemetry's instrumentation needs (it patches on
  // require); tracelight does not care about the order.
  return require('node:http') as typeof import('node:http');
}

async function runServer(config: Config, scenario: Scenario, downstreamPort: number): Promise<void> {
  const http = await setUpTracing(config);
  const downstream = `http://127.0.0.1:${downstreamPort}/`;
  // The floor of any tracer built on AsyncLocalStorage (as tracelight and the official SDK are):
  // one `run` per request with a store, nothing else. On Node 20 its async_hooks cost alone is
  // ~16 % of an untraced request's instructions.
  type Handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => unknown;
  let wrap = (handler: Handler): Handler => handler;
  if (config === 'AsyncLocalStorage.run only') {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const als = new AsyncLocalStorage<object>();
    wrap = (handler) => (req, res) => als.run({ req }, handler, req, res);
  }
  const server =
    scenario === 'plain'
      ? http.createServer(wrap((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        }))
      : http.createServer(wrap(async (_req, res) => {
          try {
            const r = await fetch(downstream);
            const text = await r.text();
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end(text);
          } catch {
            res.writeHead(502).end();
          }
        }));
  server.keepAliveTimeout = 60_000;
  // The parent asks for the span counts over IPC once the load is done.
  process.on('message', (message) => {
    if (message !== 'counts') return;
    const reply = readCounts === undefined ? Promise.resolve(null) : readCounts();
    void reply.then((counts) => process.send?.({ counts }));
  });
  process.channel?.unref();
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as import('node:net').AddressInfo;
    process.stdout.write(`READY ${address.port}\n`);
  });
}

async function runDownstream(): Promise<void> {
  const http = await import('node:http');
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('downstream ok');
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as import('node:net').AddressInfo;
    process.stdout.write(`READY ${address.port}\n`);
  });
}

// ---------------------------------------------------------------- parent: orchestration

/** Asks a server child for its span counts (null when untraced). */
function askCounts(child: ChildProcess): Promise<SpanCounts | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not report its span counts')), 30_000);
    child.once('message', (m: { counts: SpanCounts | null }) => {
      clearTimeout(timer);
      resolve(m.counts);
    });
    child.send('counts');
  });
}

interface Load extends BaseLoad {
  counts?: SpanCounts | null;
}

async function benchScenario(scenario: Scenario): Promise<void> {
  const downstream = scenario === 'fetch' ? await startChild(SELF, ['--downstream']) : undefined;
  const samples = new Map<Config, Load[]>(CONFIGS.map((c) => [c, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < CONFIGS.length; k++) {
        const config = CONFIGS[(k + round) % CONFIGS.length]!;
        const { child, port } = await startChild(SELF, ['--server', config, scenario, String(downstream?.port ?? 0)]);
        try {
          await loadServer(port, 1); // warm-up: JIT, connection pools
          const result = await loadServer(port, SECONDS);
          result.counts = await askCounts(child);
          samples.get(config)!.push(result);
        } finally {
          await stopChild(child);
        }
      }
    }
  } finally {
    if (downstream) await stopChild(downstream.child);
  }
  const sameRound = (config: Config, versus: Config): number[] => {
    const base = samples.get(versus)!;
    return samples.get(config)!.map((x, round) => x.reqPerSec / base[round]!.reqPerSec);
  };
  const title = scenario === 'plain' ? 'minimal http server' : 'http server + one downstream fetch per request';
  const lines = [
    `### ${title}`,
    '',
    `_${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections, autocannon in its own process; req/s and p99 are medians; ` +
      `each ratio = median over rounds of (req/s ÷ the other configuration's req/s in the same round); per round: vs untraced; ` +
      `spans ended / exported / dropped: summed over rounds (warm-up included), after a final forceFlush; **DROPPED** marks a row that lost spans_`,
    '',
    '| config | req/s | p99 ms | vs untraced | per round | vs ALS floor | vs official | errors | spans ended | exported | dropped |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const config of CONFIGS) {
    const s = samples.get(config)!;
    const rps = median(s.map((x) => x.reqPerSec));
    // Ratios within a round: the machine's speed drifts between rounds more than within one.
    const ratios = sameRound(config, 'untraced');
    const counts = s.map((x) => x.counts).filter((c): c is SpanCounts => c != null);
    const sum = (f: (c: SpanCounts) => number): string => (counts.length === 0 ? '–' : String(counts.reduce((a, c) => a + f(c), 0)));
    const dropped = counts.some((c) => c.dropped > 0 || c.exported !== c.ended);
    lines.push(
      `| ${config}${dropped ? ' **DROPPED**' : ''} | ${rps.toFixed(0)} | ${median(s.map((x) => x.p99)).toFixed(1)} | ` +
        `${median(ratios).toFixed(2)} | ${ratios.map((r) => r.toFixed(2)).join(' ')} | ` +
        `${median(sameRound(config, 'AsyncLocalStorage.run only')).toFixed(2)} | ${median(sameRound(config, 'official OpenTelemetry')).toFixed(2)} | ` +
        `${s.reduce((a, x) => a + x.errors, 0)} | ${sum((c) => c.ended)} | ${sum((c) => c.exported)} | ${sum((c) => c.dropped)} |`,
    );
  }
  console.log(lines.join('\n') + '\n');
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === '--server') {
  await runServer(rest[0] as Config, rest[1] as Scenario, Number(rest[2] ?? 0));
} else if (mode === '--downstream') {
  await runDownstream();
} else {
  console.log(header() + '\n');
  for (const scenario of RUN_SCENARIOS) await benchScenario(scenario);
}

function loadServer(port: number, seconds: number): Promise<Load> {
  return load(`http://127.0.0.1:${port}/`, CONNECTIONS, seconds);
}

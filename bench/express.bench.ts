/**
 * Express server throughput, p99 latency and CPU per request (issue #16): a small Express 5 app
 * (three middlewares, a `/users/:id` route) untraced; with one `AsyncLocalStorage.run` per request
 * (the floor of any AsyncLocalStorage-based tracer); with tracelight
 * (`init({ instrumentations: { express: true } })`: one SERVER span named `GET /users/:id`); and
 * with the official stack (NodeTracerProvider + instrumentation-http + instrumentation-express:
 * a SERVER span plus middleware, router and request-handler spans). Batch export to an exporter
 * that discards, counting spans.
 *
 * As bench/http.bench.ts: every server in its own child process, autocannon in another (50
 * connections, BENCH_EXPRESS_SECONDS per run, default 5), configurations interleaved with the
 * order rotated each round (BENCH_EXPRESS_ROUNDS, default 3), medians and same-round ratios.
 * CPU per request: the server process's user+system CPU time over the measured run
 * (`process.cpuUsage()`, asked over IPC) divided by the requests it answered.
 *
 * This file is its own child: `--server <config>`.
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

const CONFIGS = ['untraced', 'AsyncLocalStorage.run only', 'tracelight init()', 'official OpenTelemetry'] as const;
type Config = (typeof CONFIGS)[number];

const SECONDS = Number(process.env.BENCH_EXPRESS_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_EXPRESS_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_EXPRESS_CONNECTIONS ?? 50);

/** Drops every span, counting them: the bench measures tracing, not exporting. */
const discard = new DiscardExporter();

interface ServerReport {
  /** Spans exported so far (after a flush); null untraced. */
  spans: number | null;
  /** Requests answered and CPU microseconds (user + system) since the last 'mark'. */
  requests: number;
  /** Requests answered over the server's life (warm-up included), for spans per request. */
  total: number;
  cpuMicros: number;
}

let flush: (() => Promise<void>) | undefined;

// ---------------------------------------------------------------- child: servers

async function setUpTracing(config: Config): Promise<void> {
  if (config === 'tracelight init()') {
    const { init } = await import('../src/index.js');
    const handle = init({ serviceName: 'bench', exporter: discard, instrumentations: { express: true }, flushOnExit: false });
    flush = () => handle.forceFlush();
  } else if (config === 'official OpenTelemetry') {
    const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
    const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    const { ExpressInstrumentation } = await import('@opentelemetry/instrumentation-express');
    const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
    provider.register();
    flush = () => provider.forceFlush();
    registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()] });
  }
}

async function runServer(config: Config): Promise<void> {
  await setUpTracing(config);
  // Required after set-up, as the official instrumentations need (they patch on require).
  const http = require('node:http') as typeof import('node:http');
  const express = require('express') as typeof import('express');
  const app = express();
  let requests = 0;
  let total = 0;
  app.use(function countRequests(_req, _res, next) {
    requests++;
    total++;
    next();
  });
  app.use(express.json());
  app.use(function poweredBy(_req, res, next) {
    res.setHeader('x-powered-by', 'bench');
    next();
  });
  const users = express.Router();
  users.get('/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.use('/users', users);

  type Handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => unknown;
  let listener: Handler = app as unknown as Handler;
  if (config === 'AsyncLocalStorage.run only') {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const als = new AsyncLocalStorage<object>();
    listener = (req, res) => als.run({ req }, app as unknown as Handler, req, res);
  }
  const server = http.createServer(listener);
  server.keepAliveTimeout = 60_000;
  let cpu = process.cpuUsage();
  process.on('message', (message) => {
    if (message === 'mark') {
      requests = 0;
      cpu = process.cpuUsage();
      process.send?.({ marked: true });
      return;
    }
    if (message !== 'report') return;
    const used = process.cpuUsage(cpu);
    const answered = requests;
    const reply = flush === undefined ? Promise.resolve(null) : flush().then(() => discard.spans);
    void reply.then((spans) => process.send?.({ report: { spans, requests: answered, total, cpuMicros: used.user + used.system } satisfies ServerReport }));
  });
  process.channel?.unref();
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as import('node:net').AddressInfo;
    process.stdout.write(`READY ${address.port}\n`);
  });
}

// ---------------------------------------------------------------- parent: orchestration

function ask<T>(child: ChildProcess, message: string, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not answer ${message}`)), 30_000);
    const onMessage = (m: Record<string, unknown>) => {
      if (!(key in m)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m[key] as T);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

interface Load extends BaseLoad {
  report?: ServerReport;
}

async function bench(): Promise<void> {
  const samples = new Map<Config, Load[]>(CONFIGS.map((c) => [c, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < CONFIGS.length; k++) {
      const config = CONFIGS[(k + round) % CONFIGS.length]!;
      const { child, port } = await startChild(SELF, ['--server', config]);
      try {
        await loadServer(port, 1); // warm-up
        await ask(child, 'mark', 'marked');
        const result = await loadServer(port, SECONDS);
        result.report = await ask<ServerReport>(child, 'report', 'report');
        samples.get(config)!.push(result);
      } finally {
        await stopChild(child);
      }
    }
  }
  const sameRound = (config: Config, versus: Config): number[] => {
    const base = samples.get(versus)!;
    return samples.get(config)!.map((x, round) => x.reqPerSec / base[round]!.reqPerSec);
  };
  const cpuPerRequest = (config: Config): number => median(samples.get(config)!.map((x) => x.report!.cpuMicros / Math.max(1, x.report!.requests)));
  const lines = [
    '### Express 5 app: three middlewares, GET /users/:id',
    '',
    `_${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections, autocannon in its own process; req/s, p99 and CPU µs/request are medians; ` +
      `each ratio = median over rounds of (req/s ÷ the other configuration's req/s in the same round); spans/request = spans exported ÷ requests answered (warm-up included in spans)_`,
    '',
    '| config | req/s | p99 ms | CPU µs/req | vs untraced | vs ALS floor | vs official | errors | spans/request |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const config of CONFIGS) {
    const s = samples.get(config)!;
    const perRequest = s.filter((x) => typeof x.report?.spans === 'number').map((x) => x.report!.spans! / Math.max(1, x.report!.total));
    lines.push(
      `| ${config} | ${median(s.map((x) => x.reqPerSec)).toFixed(0)} | ${median(s.map((x) => x.p99)).toFixed(1)} | ${cpuPerRequest(config).toFixed(0)} | ` +
        `${median(sameRound(config, 'untraced')).toFixed(2)} | ${median(sameRound(config, 'AsyncLocalStorage.run only')).toFixed(2)} | ` +
        `${median(sameRound(config, 'official OpenTelemetry')).toFixed(2)} | ${s.reduce((a, x) => a + x.errors, 0)} | ${perRequest.length === 0 ? '–' : median(perRequest).toFixed(2)} |`,
    );
  }
  console.log(lines.join('\n') + '\n');
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === '--server') {
  await runServer(rest[0] as Config);
} else {
  console.log(header() + '\n');
  await bench();
}

function loadServer(port: number, seconds: number): Promise<Load> {
  return load(`http://127.0.0.1:${port}/users/42`, CONNECTIONS, seconds);
}

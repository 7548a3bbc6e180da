/**
 * `viewerUrl: 'auto'`: one check for a running `tracelight view`, against real servers on
 * loopback (a viewer-like one, a collector-like one, a closed port, one that never answers).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleWaterfallExporter } from '../../src/exporters/waterfall/console-waterfall-exporter.js';
import { enableHttpInstrumentation } from '../../src/instrumentations/http/index.js';
import { closedPort } from './otlp-receiver.js';
import { captureDiag, setupTracing, sleep, until } from './helpers.js';

const memory = new InMemorySpanExporter();
let tracer: Tracer;
let closeTracing: () => Promise<void>;
let disableHttp: () => void;
beforeAll(() => {
  const tracing = setupTracing([new SimpleSpanProcessor({ exporter: memory })]);
  tracer = tracing.tracer;
  closeTracing = tracing.close;
  // Our own http instrumentation on: the check must make no span and send no traceparent.
  disableHttp = enableHttpInstrumentation({});
});
afterAll(async () => {
  disableHttp();
  await closeTracing();
});

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  memory.reset();
});

interface Seen {
  url: string;
  requests: http.IncomingHttpHeaders[];
  /** Connections closed by the client so far. */
  closed: number;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Seen> {
  const seen: Seen = { url: '', requests: [], closed: 0 };
  const server = http.createServer((req, res) => {
    seen.requests.push(req.headers);
    handler(req, res);
  });
  server.on('connection', (socket) => socket.on('close', () => seen.closed++));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  seen.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return seen;
}

/** An exporter checking `url`, and a function printing one trace with it. */
function exporterAt(url: string) {
  const lines: string[] = [];
  const exporter = new ConsoleWaterfallExporter({ write: (l) => lines.push(l), width: 100, color: false, settleMillis: 0, viewerUrl: 'auto' }, url);
  const print = (): string[] => {
    lines.length = 0;
    tracer.startActiveSpan('GET /orders', { kind: SpanKind.SERVER }, (root) => {
      root.end();
      // Only this trace: the test servers' own requests are traced too.
      const traceId = root.spanContext().traceId;
      exporter.export(memory.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId), () => {});
    });
    return [...lines];
  };
  return { exporter, print };
}

describe("viewerUrl: 'auto'", () => {
  it('links each trace to a viewer that answers GET /v1/traces with OTLP JSON, without reading the body', async () => {
    const viewer = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // A big listing: the check must not wait for it.
      res.write('{"resourceSpans":[');
    });
    const { print } = tracer.startActiveSpan('app.start', (span) => {
      const made = exporterAt(viewer.url);
      span.end();
      return made;
    });
    await until(() => viewer.closed === 1, 'the check to close its connection');
    const lines = print();
    const traceId = lines[0]!.split(' ')[1];
    expect(lines[1]).toBe(`view ${viewer.url}/#/trace/${traceId}`);
    expect(viewer.requests).toHaveLength(1);
    expect(viewer.requests[0]!['traceparent']).toBeUndefined();
    // No CLIENT span for the check, though it ran inside a span with http instrumentation on.
    expect(memory.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT)).toEqual([]);
  });

  it('takes an OpenTelemetry collector on the port for what it is: no link', async () => {
    const collector = await serve((_req, res) => {
      res.writeHead(405, { 'content-type': 'text/plain' });
      res.end('405 method not allowed, supported: [POST]');
    });
    const notJson = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html></html>');
    });
    const a = exporterAt(collector.url);
    const b = exporterAt(notJson.url);
    await until(() => collector.closed === 1 && notJson.closed === 1, 'both checks');
    await sleep(20);
    expect(a.print()[1]).toMatch(/^GET \/orders +server /);
    expect(b.print()[1]).toMatch(/^GET \/orders +server /);
  });

  it('says nothing and links nothing when no viewer listens', async () => {
    const diag = captureDiag();
    try {
      const { print } = exporterAt(`http://127.0.0.1:${await closedPort()}`);
      await sleep(100);
      expect(print()[1]).toMatch(/^GET \/orders +server /);
      expect(diag.ours()).toEqual([]);
    } finally {
      diag.stop();
    }
  });
});

// Inside the repository, so the bundle resolves the installed packages.
const root = fileURLToPath(new URL('../..', import.meta.url));
const cache = join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'tracelight-viewer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a viewer that never answers does not hold the process open', async () => {
  const hanging = await serve(() => {
    // Accepts, never answers.
  });
  const outfile = join(dir, 'fixture.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/detects-hanging-viewer.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
    absWorkingDir: root,
  });
  const child = spawn(process.execPath, [outfile, hanging.url], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(guard);
  expect(code, output).toBe(0);
  // The check was made (the server saw it) and the process did not wait for its 1 s timeout.
  expect(hanging.requests).toHaveLength(1);
  const after = Number(/^exited after (\d+) ms\n$/.exec(output)?.[1]);
  expect(after, output).toBeLessThan(600);
});

#!/usr/bin/env node
/**
 * The `tracelight` command (the package's `bin`): `tracelight view` starts the local trace viewer,
 * `tracelight doctor` prints `diagnose()`'s report. Loaded only by the bin, so apps that call
 * `init()` never load any of this.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readTracesJson } from './otlp-json.js';
import { NoSqlite, openPersistence } from './persist.js';
import type { Persistence } from './persist.js';
import { createViewerHandler } from './server.js';
import { TraceStore } from './store.js';

declare const __TRACELIGHT_VERSION__: string | undefined;
const VERSION = typeof __TRACELIGHT_VERSION__ === 'string' ? __TRACELIGHT_VERSION__ : '0.0.0-dev';

const HELP = `Usage: tracelight view [--port N] [--host ADDR] [--db FILE] [--max-mb N]
       tracelight doctor

Commands:
  view     Start the local trace viewer: an OTLP/HTTP receiver (protobuf or JSON, gzip or not)
           at http://127.0.0.1:4318/v1/traces and a page showing the traces at the same address.
           Apps send to it with init({ exporter: 'viewer' }) or OTEL_TRACES_EXPORTER=viewer,
           or any OTLP/HTTP exporter pointed at it.
  doctor   Print tracelight's diagnose() report for this directory and environment
           (settings and where they came from, whether the collector answers, problems);
           exits with 1 when it finds a problem.

Options of view:
  --port N      Port to listen on (default 4318; 0 picks a free one).
  --host ADDR   Also listen on ADDR (e.g. 0.0.0.0). Loopback (127.0.0.1 and ::1) always.
                There is no login: only do this on a network you trust.
  --db FILE     Keep traces in the SQLite file FILE across restarts, one run per start, to
                compare runs. Needs Node's built-in node:sqlite: Node 22.13+ or 24+
                (22.5-22.12 with --experimental-sqlite); not available on Node 20.
  --max-mb N    Memory for traces, estimated, in MB (default 200); oldest traces go first.
  -h, --help    This help.  -v, --version  The version.
`;

/** Runs the command line; resolves with the exit code (undefined while the viewer runs). */
export async function main(argv: string[]): Promise<number | undefined> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        'max-mb': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    process.stderr.write(`tracelight: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (command === 'doctor') return doctor();
  if (command !== 'view') {
    process.stderr.write(`tracelight: unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  const port = values.port === undefined ? 4318 : Number(values.port);
  const maxMb = values['max-mb'] === undefined ? 200 : Number(values['max-mb']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usage(`--port must be a port number, not "${values.port}"`);
  if (!(maxMb > 0)) return usage(`--max-mb must be a positive number, not "${values['max-mb']}"`);
  return view({ port, host: values.host, db: values.db, maxBytes: maxMb * 1024 * 1024 });
}

function usage(message: string): number {
  process.stderr.write(`tracelight: ${message}\n`);
  return 2;
}

async function doctor(): Promise<number> {
  const indexPath = '../index.js';
  const { diagnose } = (await import(indexPath)) as typeof import('../index.js');
  const diagnosis = await diagnose({ print: true });
  return diagnosis.ok ? 0 : 1;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Whether a tracelight viewer answers at this port. */
async function viewerAnswers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/hello`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { viewer?: string };
    return body.viewer === 'tracelight';
  } catch {
    return false;
  }
}

async function view(options: { port: number; host: string | undefined; db: string | undefined; maxBytes: number }): Promise<number | undefined> {
  let persistence: Persistence | undefined;
  if (options.db !== undefined) {
    try {
      persistence = await openPersistence(options.db);
    } catch (err) {
      process.stderr.write(`tracelight: ${err instanceof NoSqlite ? err.message : `cannot open ${options.db}: ${(err as Error).message}`}\n`);
      return 1;
    }
  }
  const store = new TraceStore(options.maxBytes);
  const pageDir = join(dirname(fileURLToPath(import.meta.url)), 'page');
  const handler = createViewerHandler({
    store,
    pageDir,
    version: VERSION,
    run: persistence?.run ?? 1,
    // Listening on every interface (--host 0.0.0.0 or ::): reached by any name the machine has.
    extraHosts: options.host === undefined ? [] : options.host === '0.0.0.0' || options.host === '::' ? ['*'] : [options.host, `[${options.host}]`],
    onIngest: persistence === undefined ? undefined : (request, run) => persistence.save(request, run),
    onClear: persistence === undefined ? undefined : () => persistence.clear(),
  });
  if (persistence !== undefined) {
    let loaded = 0;
    for (const { run, request } of persistence.load()) {
      try {
        handler.ingest(readTracesJson(request), run);
        loaded++;
      } catch {
        // A row that is not a traces request (edited file): skipped.
      }
    }
    if (loaded > 0) process.stdout.write(`tracelight: loaded ${store.stats().traces} traces of earlier runs from ${options.db}\n`);
  }

  const servers: Server[] = [];
  const primary = createServer(handler.handle);
  servers.push(primary);
  try {
    await listen(primary, options.port, '127.0.0.1');
  } catch (err) {
    handler.close();
    persistence?.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      if (await viewerAnswers(options.port)) {
        process.stdout.write(`tracelight: a viewer already runs at http://127.0.0.1:${options.port}/ — open that one (it receives OTLP at http://127.0.0.1:${options.port}/v1/traces).\n`);
        return 0;
      }
      process.stderr.write(`tracelight: port ${options.port} is taken by another program (not a tracelight viewer). Stop it, or start the viewer with --port and point OTEL_EXPORTER_OTLP_ENDPOINT at it.\n`);
      return 1;
    }
    process.stderr.write(`tracelight: cannot listen on 127.0.0.1:${options.port}: ${(err as Error).message}\n`);
    return 1;
  }
  const port = (primary.address() as AddressInfo).port;
  for (const host of ['::1', ...(options.host === undefined ? [] : [options.host])]) {
    const server = createServer(handler.handle);
    try {
      await listen(server, port, host);
      servers.push(server);
    } catch (err) {
      // No IPv6 on this machine is fine; a --host that cannot be used is said.
      if (host !== '::1') process.stderr.write(`tracelight: cannot also listen on ${host}:${port}: ${(err as Error).message}\n`);
    }
  }
  const url = `http://127.0.0.1:${port}/`;
  process.stdout.write(`tracelight viewer: ${url}\n  OTLP/HTTP traces: ${url}v1/traces (init({ exporter: 'viewer' }) or OTEL_TRACES_EXPORTER=viewer)\n`);

  const stop = (): void => {
    handler.close();
    for (const s of servers) {
      s.close();
      s.closeAllConnections();
    }
    persistence?.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tracelight: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);

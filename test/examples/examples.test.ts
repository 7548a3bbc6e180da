// Every focused example in examples/ (see examples/README.md), run with the command the README
// gives for it, its output checked: the traces it prints, the log lines, the test results. So
// none of them rots. RabbitMQ and NATS are the real brokers (127.0.0.1:5672 and :4222).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNode, type ChildResult } from '../helpers/child.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));

function run(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ChildResult> {
  // The examples are run from the repository root, as examples/README.md says; no VITEST_*
  // variable of this run leaks into the nested vitest.
  const clean: Record<string, string> = { ...env };
  for (const key of Object.keys(process.env)) if (key.startsWith('VITEST') || key === 'NODE_OPTIONS') clean[key] = '';
  return runNode(args[0]!, args.slice(1), { cwd: ROOT, env: clean, nodeArgs, timeoutMs: 60_000 });
}

interface PrintedSpan {
  depth: number;
  name: string;
  kind: string;
  /** The span's line and its note lines (errors, attributes). */
  text: string;
}

interface PrintedTrace {
  traceId: string;
  service: string;
  spans: PrintedSpan[];
}

/** The console exporter's waterfalls in `stdout`, span by span (depth from the tree prefix). */
function waterfalls(stdout: string): PrintedTrace[] {
  const traces: PrintedTrace[] = [];
  let current: PrintedTrace | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^trace ([0-9a-f]{32})  (\S+)/.exec(line);
    if (header) {
      current = { traceId: header[1]!, service: header[2]!, spans: [] };
      traces.push(current);
      continue;
    }
    if (line === '' || line.startsWith('{')) {
      current = undefined;
      continue;
    }
    if (current === undefined) continue;
    if (line.includes('█')) {
      const prefix = /^[\s│├└─]*/.exec(line)![0];
      const rest = line.slice(prefix.length, line.indexOf('█'));
      const kind = /\s(server|client|producer|consumer)\s*$/.exec(rest)?.[1] ?? 'internal';
      current.spans.push({ depth: prefix.length / 3, name: rest.replace(/\s*(server|client|producer|consumer)?\s*$/, ''), kind, text: line });
    } else {
      const last = current.spans[current.spans.length - 1];
      if (last) last.text += '\n' + line;
    }
  }
  return traces;
}

/** `[depth, name, kind]` of each span, in tree order. */
function shape(trace: PrintedTrace): [number, string, string][] {
  return trace.spans.map((s) => [s.depth, s.name, s.kind]);
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('examples', () => {
  it('quickstart: two HTTP services in one process, each request one waterfall, the declined card an ERROR', async () => {
    const result = await run(['examples/quickstart/app.mjs']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('POST /checkout -> 200 {"ok":true}\n');
    expect(result.stdout).toContain('POST /checkout -> 402 {"error":"card declined"}\n');
    const traces = waterfalls(result.stdout);
    expect(traces.map((t) => t.service)).toEqual(['checkout-api', 'checkout-api']);
    for (const trace of traces) {
      expect(shape(trace)).toEqual([
        [0, 'POST', 'client'],
        [1, 'POST /checkout', 'server'],
        [2, 'auth.verify', 'internal'],
        [2, 'inventory.check', 'internal'],
        [2, 'payment.charge', 'internal'],
        [3, 'POST', 'client'],
        [4, 'POST /charge', 'server'],
      ]);
    }
    expect(traces[1]!.spans[4]!.text).toContain('✗ ERROR card declined');
  });

  it('manual-spans: withSpan and traced nest, a throw marks its span and the parent ERROR', async () => {
    const result = await run(['examples/manual-spans/app.mjs']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('imported 2\nfailed: unknown item in batch\n');
    const traces = waterfalls(result.stdout);
    expect(traces.map((t) => t.service)).toEqual(['manual-spans', 'manual-spans']);
    for (const trace of traces) {
      expect(shape(trace)).toEqual([
        [0, 'batch.import', 'internal'],
        [1, 'prices.fetch', 'internal'],
        [1, 'db.write', 'internal'],
        [1, 'audit.log', 'internal'],
      ]);
    }
    expect(traces[0]!.spans.some((s) => s.text.includes('ERROR'))).toBe(false);
    expect(traces[1]!.spans.filter((s) => s.text.includes('✗ ERROR unknown item in batch')).map((s) => s.name)).toEqual(['batch.import', 'audit.log']);
  });

  it('express: SERVER spans named by route template, the handler error recorded, the client spans above them', async () => {
    const result = await run(['examples/express/app.mjs']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('GET /users/42 -> 200\nPOST /users/42/avatar -> 500\n');
    const [get, post] = waterfalls(result.stdout);
    expect(shape(get!)).toEqual([
      [0, 'GET', 'client'],
      [1, 'GET /users/:id', 'server'],
      [2, 'db.findUser', 'internal'],
    ]);
    expect(get!.spans[1]!.text).toContain('http.route=/users/:id  http.response.status_code=200');
    expect(shape(post!)).toEqual([
      [0, 'POST', 'client'],
      [1, 'POST /users/:id/avatar', 'server'],
    ]);
    expect(post!.spans[1]!.text).toContain('✗ ERROR avatar storage is down  http.route=/users/:id/avatar');
  });

  it('rabbitmq: each message one trace, checkout → publish → process → the handler, through a real RabbitMQ', async () => {
    const result = await run(['examples/rabbitmq/app.mjs']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('handled 2 orders');
    const traces = waterfalls(result.stdout);
    expect(traces).toHaveLength(2);
    for (const trace of traces) {
      expect(shape(trace)).toEqual([
        [0, 'checkout', 'internal'],
        [1, 'publish orders', 'producer'],
        [2, 'process orders', 'consumer'],
        [3, 'order.fulfil', 'internal'],
      ]);
    }
  });

  it('nats: request/reply and publish/subscribe in one trace, through a real NATS', async () => {
    const result = await run(['examples/nats/app.mjs']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('price: {"item":"book","price":12}\nshipped: order o-1\n');
    const traces = waterfalls(result.stdout);
    expect(traces).toHaveLength(1);
    expect(shape(traces[0]!)).toEqual([
      [0, 'checkout', 'internal'],
      [1, 'request prices', 'producer'],
      [2, 'publish prices', 'producer'],
      [2, 'process prices', 'consumer'],
      [3, 'price.lookup', 'internal'],
      [4, 'publish (tem…', 'producer'], // the reply, to an _INBOX subject: `publish (temporary)`, cut to fit 80 columns
      [1, 'publish shipments', 'producer'],
      [2, 'process shipments', 'consumer'],
      [3, 'notify.customer', 'internal'],
    ]);
  });

  it('preload: --import tracelight/register traces an app with no tracing code, configured from OTEL_* alone', async () => {
    const result = await run(['examples/preload/app.mjs'], { OTEL_SERVICE_NAME: 'preload-example', OTEL_TRACES_EXPORTER: 'console' }, ['--import', 'tracelight/register']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('200 hello from /hello');
    const traces = waterfalls(result.stdout);
    expect(traces.map((t) => t.service)).toEqual(['preload-example']);
    expect(shape(traces[0]!)).toEqual([
      [0, 'GET', 'client'],
      [1, 'GET /hello', 'server'],
    ]);
  });

  for (const logger of ['pino', 'winston']) {
    it(`logs/${logger}: log lines inside spans carry their trace_id and span_id, lines outside none`, async () => {
      const result = await run([`examples/logs/${logger}.mjs`]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const [trace] = waterfalls(result.stdout);
      expect(shape(trace!)).toEqual([
        [0, 'order.create', 'internal'],
        [1, 'payment.charge', 'internal'],
      ]);
      const lines = jsonLines(result.stdout);
      const message = (line: Record<string, unknown>) => line['msg'] ?? line['message'];
      expect(lines.map(message)).toEqual(['outside any span: no trace fields', 'order received', 'card needs 3-D Secure']);
      expect(lines[0]).not.toHaveProperty('trace_id');
      expect(lines[1]).toMatchObject({ trace_id: trace!.traceId, orderId: 'o-1', span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(lines[2]).toMatchObject({ trace_id: trace!.traceId, orderId: 'o-1', span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(lines[2]!['span_id']).not.toBe(lines[1]!['span_id']); // the inner span's own id
    });
  }

  it('testing under vitest: the example test passes (two tests)', async () => {
    const result = await run([VITEST, 'run', '--config', 'examples/testing/vitest.config.mjs'], { NO_COLOR: '1' });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Tests\s+2 passed \(2\)/);
  });

  it('testing under node:test: the example test passes (two tests)', async () => {
    const result = await run(['--test', 'examples/testing/checkout.node-test.mjs']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^[#ℹ] pass 2\n[#ℹ] fail 0$/m); // the TAP reporter (Node 20) or the spec one (Node 22+)
  });
});

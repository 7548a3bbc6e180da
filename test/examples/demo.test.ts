// The README's first command, `npm run demo` (examples/demo/run.mjs), run for real: with its own
// broker and with RabbitMQ, its waterfalls checked line by line; with OTEL_EXPORTER_OTLP_ENDPOINT
// pointing at a real OTLP receiver that decodes the spans with the official schema; and stopped
// with SIGINT half-way. Every run must leave no process behind.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runNode, type ChildResult } from '../helpers/child.js';
import { closedPort, OtlpReceiver, type ReceivedSpan } from '../exporters/otlp-receiver.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEMO = fileURLToPath(new URL('../../examples/demo/run.mjs', import.meta.url));
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const SERVICES = ['gateway', 'orders', 'worker'];

function runDemo(env: Record<string, string> = {}): Promise<ChildResult> {
  return runNode(DEMO, [], { cwd: ROOT, env, timeoutMs: 90_000 });
}

/** The pids the demo says it started (broker, receiver, services). */
function pids(stdout: string): number[] {
  return [...stdout.matchAll(/\bpid (\d+)\b/g)].map((m) => Number(m[1]));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

interface Request {
  status: number;
  orderId: string;
  outcome: string;
  traceId: string;
}

function requests(stdout: string): Request[] {
  return [...stdout.matchAll(/^POST \/checkout \S+ -> (\d+) (ord-\d+), (worker done|worker failed: [^,]+), trace ([0-9a-f]{32})$/gm)].map((m) => ({
    status: Number(m[1]),
    orderId: m[2]!,
    outcome: m[3]!,
    traceId: m[4]!,
  }));
}

interface Waterfall {
  traceId: string;
  header: string;
  lines: string[];
}

/** The printed waterfalls: a `trace <id>` header, then lines up to the next empty line. */
function waterfalls(stdout: string): Waterfall[] {
  const out: Waterfall[] = [];
  let current: Waterfall | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^trace ([0-9a-f]{32})  (.*)$/.exec(line);
    if (header) {
      current = { traceId: header[1]!, header: header[2]!, lines: [] };
      out.push(current);
    } else if (line === '') current = undefined;
    else current?.lines.push(line);
  }
  return out;
}

/** Checks one printed trace: one tree (a single line without a tree prefix), no orphan, three services. */
function expectOneTreeAcrossServices(waterfall: Waterfall, failed: boolean): void {
  const spanLines = waterfall.lines.filter((line) => line.includes('█'));
  const roots = spanLines.filter((line) => !/^[\s│├└]/.test(line));
  expect(roots).toHaveLength(1);
  expect(roots[0]).toMatch(/^POST \/checkout\s+server/);
  expect(waterfall.lines.join('\n')).not.toMatch(/parent missing|remote parent/);
  const services = new Set([...waterfall.lines.join('\n').matchAll(/service\.name=(\w+)/g)].map((m) => m[1]));
  expect([...services].sort()).toEqual(SERVICES.slice().sort());
  expect(waterfall.header).toMatch(/^gateway → orders → worker\s+total \S+/);
  // Tree order: the name is what comes before the bar, less the tree prefix and the kind.
  const names = spanLines.map((line) =>
    line
      .slice(0, line.indexOf('█'))
      .replace(/^[\s│├└─]+/, '')
      .replace(/\s*(server|client|producer|consumer)?\s*$/, ''),
  );
  const steps = ['inventory.reserve', 'payment.charge', ...(failed ? [] : ['email.send'])]; // a failed charge sends no email
  expect(names).toEqual(['POST /checkout', 'POST', 'POST /orders', 'orders.save', 'publish order.placed', 'process order.placed', ...steps]);
  const errors = waterfall.lines.filter((line) => line.includes('✗ ERROR card declined'));
  expect(errors.length).toBe(failed ? 2 : 0); // payment.charge and the consumer span around it
}

function expectCleanRun(result: ChildResult, startedProcesses: number): void {
  expect(result.stderr).toBe('');
  expect(result.code, result.stdout).toBe(0);
  const started = pids(result.stdout);
  expect(started).toHaveLength(startedProcesses);
  expect(started.filter(isRunning)).toEqual([]);
  expect(result.stdout).toContain(`Stopped the demo's ${startedProcesses} processes.`);
}

function expectWaterfalls(result: ChildResult): void {
  const sent = requests(result.stdout);
  expect(sent.map((r) => [r.status, r.orderId])).toEqual([
    [201, 'ord-1'],
    [201, 'ord-2'],
    [201, 'ord-3'],
    [201, 'ord-4'],
  ]);
  expect(sent.map((r) => r.outcome)).toEqual(['worker done', 'worker done', 'worker failed: card declined', 'worker done']);
  const printed = waterfalls(result.stdout);
  expect(printed.map((w) => w.traceId)).toEqual(sent.map((r) => r.traceId));
  printed.forEach((waterfall, i) => expectOneTreeAcrossServices(waterfall, i === 2));
  expect(result.stdout).toContain('4 requests, 4 traces, each one tree across gateway, orders, worker.');
}

describe('npm run demo', () => {
  it('with its own broker: one waterfall per request, each one tree across the three services; exits 0 and leaves no process', async () => {
    const result = await runDemo();
    expect(result.stdout).toMatch(/^ {2}queue {5}the demo's own broker, pid \d+ at tcp:\/\/127\.0\.0\.1:\d+ \(set AMQP_URL/m);
    expect(result.stdout).toMatch(/^ {2}traces {4}OTLP to the demo's receiver, pid \d+ at http:\/\/127\.0\.0\.1:\d+/m);
    expectWaterfalls(result);
    expectCleanRun(result, 5); // broker, receiver, three services
  });

  it('with RabbitMQ (AMQP_URL): the same, through RabbitMQ', async () => {
    const result = await runDemo({ AMQP_URL });
    expect(result.stdout).toMatch(/^ {2}queue {5}RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672 \(from AMQP_URL\)$/m);
    expectWaterfalls(result);
    expectCleanRun(result, 4); // receiver, three services
  });

  describe('with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    let collector: OtlpReceiver;
    beforeAll(async () => {
      collector = await OtlpReceiver.start();
    });
    afterAll(() => collector.close());

    it('sends every span to that collector (decoded with the official schema): each trace one tree across the three services; an unreachable AMQP_URL falls back to its own broker and says so', async () => {
      const port = await closedPort();
      const result = await runDemo({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}` });
      expect(result.stdout).toContain(`queue     RabbitMQ at amqp://guest:***@127.0.0.1:${port} (AMQP_URL) does not answer (ECONNREFUSED); using the demo's own broker`);
      expect(result.stdout).toContain(`traces    OTLP to your collector at ${collector.url} (from OTEL_EXPORTER_OTLP_ENDPOINT)`);
      expect(waterfalls(result.stdout)).toEqual([]);
      const sent = requests(result.stdout);
      expect(sent).toHaveLength(4);
      expectCleanRun(result, 4); // broker, three services

      const spans = collector.acceptedSpans();
      expect(collector.requests.every((r) => r.schemaError === null && r.encoding === 'protobuf')).toBe(true);
      expect(result.stdout).toContain(`Sent 4 traces (${spans.length} spans) to ${collector.url}: ${sent.map((r) => r.traceId).join(', ')}.`);
      const byTrace = new Map<string, ReceivedSpan[]>();
      for (const span of spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
      expect([...byTrace.keys()].sort()).toEqual(sent.map((r) => r.traceId).sort());
      sent.forEach((request, i) => {
        const trace = byTrace.get(request.traceId)!;
        const ids = new Set(trace.map((s) => s.spanId));
        const roots = trace.filter((s) => s.parentSpanId === '');
        expect(roots.map((s) => [s.name, s.resource['service.name']])).toEqual([['POST /checkout', 'gateway']]);
        expect(trace.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId))).toEqual([]);
        expect([...new Set(trace.map((s) => s.resource['service.name']))].sort()).toEqual(SERVICES.slice().sort());
        const charge = trace.find((s) => s.name === 'payment.charge')!;
        expect(charge.status.code).toBe(i === 2 ? 2 : 0);
        const consumer = trace.find((s) => s.name === 'process order.placed')!;
        const producer = trace.find((s) => s.name === 'publish order.placed')!;
        expect(consumer.parentSpanId).toBe(producer.spanId);
        expect(consumer.resource['service.name']).toBe('worker');
        expect(producer.resource['service.name']).toBe('orders');
      });
    });
  });

  /** Starts the demo and resolves once it printed its first request, with its pids and its exit. */
  async function demoAtFirstRequest() {
    const child = spawn(process.execPath, [DEMO], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output.stderr += c));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no request within 60 s\n${output.stdout}\n${output.stderr}`));
      }, 60_000);
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        output.stdout += c;
        if (/^POST \/checkout/m.test(output.stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const started = pids(output.stdout);
    expect(started).toHaveLength(5);
    expect(started.every(isRunning)).toBe(true);
    return { child, output, exit, started };
  }

  it('stopped with SIGINT half-way: stops every process it started, exits 130', async () => {
    const { child, output, exit, started } = await demoAtFirstRequest();
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(output.stderr).toContain("SIGINT: stopping the demo's processes");
    expect(started.filter(isRunning)).toEqual([]);
  });

  it('when a service dies half-way: says which, stops every other process, exits 1', async () => {
    const { output, exit, started } = await demoAtFirstRequest();
    const workerPid = Number(/worker {4}consumes order\.placed, pid (\d+)/.exec(output.stdout)![1]);
    process.kill(workerPid, 'SIGKILL');
    expect(await exit).toBe(1);
    expect(output.stderr).toContain(`demo failed: worker (pid ${workerPid}) stopped unexpectedly (SIGKILL)`);
    expect(started.filter(isRunning)).toEqual([]);
  });

  it('with a collector that is down: says how many spans it lost, exits 1, stops every process', async () => {
    const port = await closedPort();
    const result = await runDemo({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`problem: the collector at http://127\\.0\\.0\\.1:${port} took 0 of the \\d+ spans the services ended`));
    expect(result.stderr).toContain('connection refused'); // each service says it, once
    expect(requests(result.stdout)).toHaveLength(4);
    expect(pids(result.stdout).filter(isRunning)).toEqual([]);
  });
});

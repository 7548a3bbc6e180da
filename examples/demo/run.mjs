// tracelight's demo (`npm run demo`): one request crossing three services and a queue, shown as
// one trace. Starts each service as its own process (gateway.mjs, orders.mjs, worker.mjs), a
// queue (RabbitMQ when AMQP_URL is set and reachable, else broker.mjs) and, unless
// OTEL_EXPORTER_OTLP_ENDPOINT names a collector of yours, a receiver for the spans
// (receiver.mjs). Then it sends a few requests and prints each one's trace, from all three
// processes, as one waterfall; then it stops every process it started and exits.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DEFAULT_WATERFALL_ATTRIBUTES, renderWaterfall } from 'tracelight/sdk';

const SERVICES = ['gateway', 'orders', 'worker'];
const ITEMS = ['book', 'lamp', 'mug', 'desk'];
const STEP_TIMEOUT_MS = 15_000;

// ---- processes: every child is stopped on every path out of here --------------------------------

const children = new Map(); // name -> ChildProcess
const stats = new Map(); // service name -> its tracing counters, sent as it stops
let stopping = false;

function alive(child) {
  return child.exitCode === null && child.signalCode === null;
}

/** Forks `script` and resolves with its ready message (`{ child, url? }`). */
function start(name, script, env = process.env) {
  const child = fork(new URL(script, import.meta.url), [], { env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.set(name, child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
    child.on('message', (message) => {
      if (message?.stopped !== undefined) stats.set(name, message.stopped);
      if (message?.ready !== true) return;
      clearTimeout(timer);
      resolve({ child, pid: child.pid, url: message.url });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!stopping) fail(new Error(`${name} (pid ${child.pid}) stopped unexpectedly (${signal ?? `exit code ${code}`})`));
      reject(new Error(`${name} exited before it was ready`));
    });
  });
}

function exited(child, ms) {
  if (!alive(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => (clearTimeout(timer), resolve(true)));
  });
}

/** Asks `names` to stop (they flush their spans), then kills what is still running. */
async function stop(names, graceMs = 5000) {
  stopping = true;
  const list = names.map((name) => children.get(name)).filter((child) => child !== undefined && alive(child));
  for (const child of list) if (child.connected) child.send({ stop: true });
  await Promise.all(
    list.map(async (child) => {
      if (await exited(child, graceMs)) return;
      child.kill('SIGKILL');
      await exited(child, 2000);
    }),
  );
}

/** Stops the services first (they flush their spans to the receiver), then the receiver and broker. */
async function stopAll(graceMs) {
  await stop(SERVICES, graceMs);
  await stop([...children.keys()], graceMs);
}

let failing = false;
async function fail(err) {
  if (failing || stopping) return; // already on the way out
  failing = true;
  console.error(`\ndemo failed: ${err?.message ?? err}`);
  await stopAll(1000);
  process.exit(1);
}

process.on('exit', () => {
  for (const child of children.values()) if (alive(child)) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    if (stopping) return;
    console.error(`\n${signal}: stopping the demo's processes`);
    stopping = true;
    await stopAll(1000);
    process.exit(130);
  });
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- the queue: RabbitMQ if AMQP_URL is set and answers, else the demo's own broker -------------

function hidePassword(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** Why RabbitMQ at `url` cannot be used, or `undefined` when it answers. */
async function rabbitMqProblem(url) {
  try {
    const { default: amqp } = await import('amqplib');
    const connection = await withTimeout(amqp.connect(url, { timeout: 3000 }), 'no answer');
    await connection.close();
    return undefined;
  } catch (err) {
    return err?.code ?? err?.message ?? String(err);
  }
}

const lines = [];
let queueUrl;
const amqpUrl = process.env.AMQP_URL;
if (amqpUrl) {
  const problem = await rabbitMqProblem(amqpUrl);
  if (problem === undefined) {
    queueUrl = amqpUrl;
    lines.push(`queue     RabbitMQ at ${hidePassword(amqpUrl)} (from AMQP_URL)`);
  } else {
    lines.push(`queue     RabbitMQ at ${hidePassword(amqpUrl)} (AMQP_URL) does not answer (${problem}); using the demo's own broker`);
  }
}
if (queueUrl === undefined) {
  const broker = await start('broker', './broker.mjs');
  queueUrl = broker.url;
  if (!amqpUrl) lines.push(`queue     the demo's own broker, pid ${broker.pid} at ${broker.url} (set AMQP_URL=amqp://… to use RabbitMQ)`);
  else lines.push(`          the demo's own broker, pid ${broker.pid} at ${broker.url}`);
}

// ---- where the spans go: your collector, or the demo's receiver ---------------------------------

const env = { ...process.env, QUEUE_URL: queueUrl, DEMO_RUN_ID: randomUUID() };
const collector = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT]
  : process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? ['OTEL_EXPORTER_OTLP_ENDPOINT', process.env.OTEL_EXPORTER_OTLP_ENDPOINT]
    : undefined;
let receiver;
if (collector) {
  lines.push(`traces    OTLP to your collector at ${collector[1]} (from ${collector[0]}); find them there by trace id`);
} else {
  receiver = await start('receiver', './receiver.mjs');
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_EXPORTER_OTLP_') || key === 'OTEL_TRACES_EXPORTER') delete env[key];
  Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' });
  lines.push(`traces    OTLP to the demo's receiver, pid ${receiver.pid} at ${receiver.url} (set OTEL_EXPORTER_OTLP_ENDPOINT to use your collector)`);
}

// ---- the three services -----------------------------------------------------------------------

const handled = new Map(); // order id -> the worker's report, or a resolver waiting for it
function workerReport(orderId) {
  const known = handled.get(orderId);
  if (known?.report) return Promise.resolve(known.report);
  return new Promise((resolve) => handled.set(orderId, { resolve }));
}

const worker = await start('worker', './worker.mjs', env);
worker.child.on('message', (message) => {
  if (typeof message?.handled !== 'string') return;
  const waiting = handled.get(message.handled);
  handled.set(message.handled, { report: message });
  waiting?.resolve?.(message);
});
const orders = await start('orders', './orders.mjs', env);
const gateway = await start('gateway', './gateway.mjs', { ...env, ORDERS_URL: orders.url });
lines.push(
  `gateway   plain node:http, pid ${gateway.pid} at ${gateway.url}`,
  `orders    Express, pid ${orders.pid} at ${orders.url}`,
  `worker    consumes order.placed, pid ${worker.pid}`,
);
console.log('tracelight demo: a gateway calls orders over HTTP, orders publishes order.placed, a worker handles it.');
for (const line of lines) console.log('  ' + line);
console.log('');

// ---- requests, and each one's trace -------------------------------------------------------------

/** A span from the receiver as the waterfall renderer reads spans. */
function toReadableSpan(s) {
  const hrTime = (nanos) => {
    const n = BigInt(nanos);
    return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
  };
  return {
    name: s.name,
    kind: Math.max(0, s.kind - 1), // OTLP counts kinds from 1 (internal), the API from 0
    spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: 1 }),
    parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1, isRemote: false } : undefined,
    startTime: hrTime(s.start),
    endTime: hrTime(s.end),
    status: s.status,
    // The service is shown after each span: which process recorded it.
    attributes: { 'service.name': s.resource['service.name'], ...s.attributes },
    events: s.events,
    links: [],
    resource: { attributes: s.resource },
  };
}

/** The services a trace's spans came from, in the order they joined it. */
function servicesOf(spans) {
  const byStart = [...spans].sort((a, b) => (BigInt(a.start) < BigInt(b.start) ? -1 : 1));
  return [...new Set(byStart.map((s) => s.resource['service.name']))];
}

/** What is wrong with a trace's shape, or `undefined` when it is one tree across the three services. */
function shapeProblem(spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId).length;
  const orphans = spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).length;
  const services = new Set(spans.map((s) => s.resource['service.name']));
  const missing = SERVICES.filter((name) => !services.has(name));
  if (spans.length === 0) return 'no spans arrived';
  if (roots !== 1 || orphans > 0) return `${roots} root(s) and ${orphans} span(s) whose parent never arrived`;
  if (missing.length > 0) return `no spans from ${missing.join(', ')}`;
  return undefined;
}

const traceAnswers = new Map(); // traceId -> resolve
receiver?.child.on('message', (message) => {
  if (typeof message?.trace === 'string') traceAnswers.get(message.trace)?.(message);
});
function traceOf(traceId) {
  return new Promise((resolve) => {
    traceAnswers.set(traceId, resolve);
    receiver.child.send({ await: traceId, services: SERVICES, timeoutMs: 10_000 });
  });
}

const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
// Wide enough for the deepest span's name (`process order.placed`, five levels down) when the
// output is not a terminal; a terminal's own width otherwise.
const width = process.stdout.isTTY ? (process.stdout.columns ?? 128) : 128;
const problems = [];
const traceIds = [];
for (const item of ITEMS) {
  const body = JSON.stringify({ item });
  const response = await withTimeout(
    fetch(`${gateway.url}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    'the gateway did not answer',
  );
  const order = await response.json();
  const report = await withTimeout(workerReport(order.id), `the worker did not handle ${order.id}`);
  const outcome = report.error ? `worker failed: ${report.error}` : 'worker done';
  console.log(`POST /checkout ${body} -> ${response.status} ${order.id}, ${outcome}, trace ${order.traceId}`);
  traceIds.push(order.traceId);
  if (receiver === undefined) continue;
  const trace = await traceOf(order.traceId);
  const spans = trace.spans.map(toReadableSpan);
  const options = { width, color, serviceName: servicesOf(trace.spans).join(' → '), attributes: ['service.name', ...DEFAULT_WATERFALL_ATTRIBUTES] };
  for (const line of renderWaterfall(spans, options)) console.log(line);
  console.log('');
  const problem = shapeProblem(trace.spans);
  if (problem) problems.push(`trace ${order.traceId}: ${problem}`);
}

await stopAll(); // the services flush their last spans as they stop
const count = children.size;
const left = [...children.values()].filter(alive).length;
if (left > 0) problems.push(`${left} process(es) did not stop`);
if (receiver === undefined) {
  let ended = 0;
  let exported = 0;
  for (const s of SERVICES.map((name) => stats.get(name)).filter(Boolean)) {
    ended += s.spansEnded;
    exported += s.exported;
  }
  if (stats.size === SERVICES.length && exported === ended) {
    console.log(`Sent ${traceIds.length} traces (${exported} spans) to ${collector[1]}: ${traceIds.join(', ')}.`);
  } else {
    problems.push(`the collector at ${collector[1]} took ${exported} of the ${ended} spans the services ended (see their messages above)`);
  }
} else if (problems.length === 0) {
  console.log(`${traceIds.length} requests, ${traceIds.length} traces, each one tree across ${SERVICES.join(', ')}.`);
}
for (const problem of problems) console.error(`problem: ${problem}`);
console.log(`Stopped the demo's ${count} processes.`);
process.exit(problems.length === 0 ? 0 : 1);

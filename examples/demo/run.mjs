// tracelight's demo (`npm run demo`): requests crossing three services and a queue, each shown
// as one trace. Starts each service as its own process (gateway.mjs, orders.mjs, worker.mjs), a
// queue (RabbitMQ when AMQP_URL is set and answers, else broker.mjs) and, unless
// OTEL_EXPORTER_OTLP_ENDPOINT names a collector of yours, a receiver for the spans
// (receiver.mjs). Then it sends a few requests and prints each one's trace, from all three
// processes, as one waterfall; then it stops every process it started and exits (1 when a trace
// is not one tree across the three services).
import { randomUUID } from 'node:crypto';
import { countersOf, start, stopAll, withTimeout } from './processes.mjs';
import { shapeProblem, waterfallLines } from './trace-view.mjs';

const SERVICES = ['gateway', 'orders', 'worker'];
const ITEMS = ['book', 'lamp', 'mug', 'desk'];
const setup = []; // what the demo chose, printed before the requests

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

let queueUrl;
const amqpUrl = process.env.AMQP_URL;
if (amqpUrl) {
  const problem = await rabbitMqProblem(amqpUrl);
  if (problem === undefined) {
    queueUrl = amqpUrl;
    setup.push(`queue     RabbitMQ at ${hidePassword(amqpUrl)} (from AMQP_URL)`);
  } else {
    setup.push(`queue     RabbitMQ at ${hidePassword(amqpUrl)} (AMQP_URL) does not answer (${problem}); using the demo's own broker`);
  }
}
if (queueUrl === undefined) {
  const broker = await start('broker', './broker.mjs');
  queueUrl = broker.url;
  const where = `the demo's own broker, pid ${broker.pid} at ${broker.url}`;
  setup.push(amqpUrl ? `          ${where}` : `queue     ${where} (set AMQP_URL=amqp://… to use RabbitMQ)`);
}

// ---- where the spans go: your collector, or the demo's receiver ---------------------------------

const env = { ...process.env, QUEUE_URL: queueUrl, DEMO_RUN_ID: randomUUID() };
const collectorVariable = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'].find((name) => process.env[name]);
const collector = collectorVariable && process.env[collectorVariable];
let receiver;
if (collector) {
  setup.push(`traces    OTLP to your collector at ${collector} (from ${collectorVariable}); find them there by trace id`);
} else {
  receiver = await start('receiver', './receiver.mjs');
  // The services' one-line init() reads these: OTLP, as JSON, to the receiver, every 100 ms.
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_EXPORTER_OTLP_') || key === 'OTEL_TRACES_EXPORTER') delete env[key];
  Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' });
  setup.push(`traces    OTLP to the demo's receiver, pid ${receiver.pid} at ${receiver.url} (set OTEL_EXPORTER_OTLP_ENDPOINT to use your collector)`);
}

// ---- the three services -----------------------------------------------------------------------

const handled = new Map(); // order id -> the worker's report, or who waits for it
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
setup.push(
  `gateway   plain node:http, pid ${gateway.pid} at ${gateway.url}`,
  `orders    Express, pid ${orders.pid} at ${orders.url}`,
  `worker    consumes order.placed, pid ${worker.pid}`,
);
console.log('tracelight demo: a gateway calls orders over HTTP, orders publishes order.placed, a worker handles it.');
for (const line of setup) console.log('  ' + line);
console.log('');

// ---- requests, and each one's trace -------------------------------------------------------------

const traceAnswers = new Map(); // traceId -> who waits for it
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
  const { spans } = await traceOf(order.traceId);
  for (const line of waterfallLines(spans, { width, color })) console.log(line);
  console.log('');
  const problem = shapeProblem(spans, SERVICES);
  if (problem) problems.push(`trace ${order.traceId}: ${problem}`);
}

// ---- stop everything (the services flush their last spans as they stop), then sum up ------------

const { started, left } = await stopAll();
if (left > 0) problems.push(`${left} process(es) did not stop`);
if (receiver === undefined) {
  const counters = SERVICES.map(countersOf).filter(Boolean);
  const ended = counters.reduce((sum, c) => sum + c.spansEnded, 0);
  const exported = counters.reduce((sum, c) => sum + c.exported, 0);
  if (counters.length === SERVICES.length && exported === ended) {
    console.log(`Sent ${traceIds.length} traces (${exported} spans) to ${collector}: ${traceIds.join(', ')}.`);
  } else {
    problems.push(`the collector at ${collector} took ${exported} of the ${ended} spans the services ended (see their messages above)`);
  }
} else if (problems.length === 0) {
  console.log(`${traceIds.length} requests, ${traceIds.length} traces, each one tree across ${SERVICES.join(', ')}.`);
}
for (const problem of problems) console.error(`problem: ${problem}`);
console.log(`Stopped the demo's ${started} processes.`);
process.exit(problems.length === 0 ? 0 : 1);

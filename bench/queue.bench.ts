/**
 * Messages per second through the real RabbitMQ (127.0.0.1:5672) and NATS (127.0.0.1:4222),
 * published and consumed in one process, with and without tracelight's wrappers
 * (`traceAmqpChannel`, `traceNats`) under `init()` with a discarding exporter. Each round
 * publishes QUEUE_BENCH_MESSAGES messages (publishing yields to the event loop every 100, as a
 * producer with I/O does) and waits until the consumer has handled (and, for RabbitMQ, acked)
 * every one; modes alternate within a round. Reported: median msgs/s, its ratio to the unwrapped
 * rate, the main thread's CPU per message and the tracer's share of it (traced minus unwrapped),
 * and every span ended, exported and dropped.
 *
 * Usage: npm run bench -- queue   (env QUEUE_BENCH_MESSAGES, default 20 000; QUEUE_BENCH_ROUNDS, default 5)
 */
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { init } from '../src/index.js';
import { traceAmqpChannel, traceNats } from '../src/instrumentations/queue/index.js';
import { DiscardExporter, header, mainThreadCpuNs } from './lib.js';

const require = createRequire(import.meta.url);
const MESSAGES = Number(process.env['QUEUE_BENCH_MESSAGES'] ?? 20_000);
const ROUNDS = Number(process.env['QUEUE_BENCH_ROUNDS'] ?? 5);
const body = Buffer.alloc(256, 'x');

const exporter = new DiscardExporter();
const handle = init({ serviceName: 'queue-bench', exporter, instrumentations: { http: false } });

interface Run {
  msgsPerSecond: number;
  cpuNsPerMessage: number;
}

const yieldNow = () => new Promise((r) => setImmediate(r));

async function rabbit(traced: boolean): Promise<Run> {
  const amqp = require('amqplib');
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  const raw = await conn.createChannel();
  const ch = traced ? traceAmqpChannel(raw) : raw;
  const queue = `tracelight-bench-${randomUUID()}`;
  await ch.assertQueue(queue, { durable: false });
  await ch.prefetch(500);
  let handled = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  await ch.consume(queue, (m: unknown) => {
    if (m === null) return;
    ch.ack(m);
    if (++handled === MESSAGES) done();
  });
  const cpu0 = mainThreadCpuNs();
  const t0 = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    ch.sendToQueue(queue, body, { messageId: String(i) });
    if (i % 100 === 99) await yieldNow();
  }
  await all;
  const elapsed = performance.now() - t0;
  const cpu = mainThreadCpuNs() - cpu0;
  await ch.deleteQueue(queue);
  await conn.close();
  return { msgsPerSecond: (MESSAGES / elapsed) * 1000, cpuNsPerMessage: cpu / MESSAGES };
}

async function nats(traced: boolean): Promise<Run> {
  const client = require('@nats-io/transport-node');
  const raw = await client.connect({ servers: '127.0.0.1:4222' });
  const nc = traced ? traceNats(raw, { headers: client.headers }) : raw;
  const subject = `tracelight.bench.${randomUUID()}`;
  let handled = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  nc.subscribe(subject, { callback: () => { if (++handled === MESSAGES) done(); } });
  await nc.flush();
  const cpu0 = mainThreadCpuNs();
  const t0 = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    nc.publish(subject, body);
    if (i % 100 === 99) await yieldNow();
  }
  await all;
  const elapsed = performance.now() - t0;
  const cpu = mainThreadCpuNs() - cpu0;
  await nc.close();
  return { msgsPerSecond: (MESSAGES / elapsed) * 1000, cpuNsPerMessage: cpu / MESSAGES };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`## queue.bench.ts (${header()})\n`);
console.log(`${ROUNDS} rounds × ${MESSAGES} messages of ${body.length} bytes per broker and mode, modes alternating (order swapped each round); one warm-up round not counted.\n`);
console.log('| broker | mode | msgs/s (median) | ratio to unwrapped (median of rounds) | main-thread CPU µs/msg | tracer CPU µs/msg |');
console.log('|---|---|---:|---:|---:|---:|');
for (const [name, run] of [['RabbitMQ (amqplib 0.10)', rabbit], ['NATS (transport-node 3.x)', nats]] as const) {
  await run(false);
  await run(true);
  const plain: Run[] = [];
  const traced: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      plain.push(await run(false));
      traced.push(await run(true));
    } else {
      traced.push(await run(true));
      plain.push(await run(false));
    }
  }
  const ratio = median(traced.map((t, i) => t.msgsPerSecond / plain[i]!.msgsPerSecond));
  const cpuPlain = median(plain.map((p) => p.cpuNsPerMessage)) / 1000;
  const cpuTraced = median(traced.map((t) => t.cpuNsPerMessage)) / 1000;
  console.log(`| ${name} | unwrapped | ${median(plain.map((p) => p.msgsPerSecond)).toFixed(0)} | 1.00 | ${cpuPlain.toFixed(1)} | – |`);
  console.log(`| ${name} | traceAmqpChannel / traceNats | ${median(traced.map((t) => t.msgsPerSecond)).toFixed(0)} | **${ratio.toFixed(2)}** | ${cpuTraced.toFixed(1)} | ${(cpuTraced - cpuPlain).toFixed(1)} |`);
}
await handle.forceFlush();
const s = handle.stats();
console.log(`\nSpans (whole run, warm-up included): ended ${s.spansEnded}, exported ${s.exported} (exporter counted ${exporter.spans}), dropped ${JSON.stringify(s.dropped)}.`);
await handle.shutdown();

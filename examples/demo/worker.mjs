// The worker: consumes `order.placed`. traceConsume() continues the trace from the message
// headers; the work is in withSpan() blocks: reserving stock is slow, and charging the card
// fails for every third order (deterministic, so every run shows a failure).
import { setTimeout as sleep } from 'node:timers/promises';
import { init, withSpan } from 'tracelight';
import { traceConsume } from 'tracelight/queue';
import { connectQueue } from './queue.mjs';
import { onStop, ready, report } from './service.mjs';

const tracing = init({ serviceName: 'worker' });

const queue = await connectQueue(process.env.QUEUE_URL);

async function fulfil(order) {
  await withSpan('inventory.reserve', { attributes: { 'order.id': order.id } }, () => sleep(150));
  await withSpan('payment.charge', async () => {
    await sleep(20);
    if (order.number % 3 === 0) throw new Error('card declined');
  });
  await withSpan('email.send', () => sleep(10));
}

await queue.consume('order.placed', async (body, headers) => {
  const order = JSON.parse(body);
  const info = { system: queue.system, destination: 'order.placed', messageId: order.id, bodySize: body.length };
  try {
    await traceConsume(info, headers, () => fulfil(order));
    report({ handled: order.id });
  } catch (err) {
    report({ handled: order.id, error: err.message });
    throw err; // the queue client settles the message as failed
  }
});

ready();
onStop(async () => {
  await queue.close();
  await tracing.shutdown();
  return tracing.stats();
});

// The orders service: an Express app. POST /orders stores the order and publishes
// `order.placed`; tracePublish() puts the trace context in the message headers.
import express from 'express';
import { init, withSpan } from 'tracelight';
import { tracePublish } from 'tracelight/queue';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectQueue } from './queue.mjs';
import { onStop, ready } from './service.mjs';

const tracing = init({ serviceName: 'orders', instrumentations: { express: true } });

const queue = await connectQueue(process.env.QUEUE_URL);
let placed = 0;

const app = express();
app.use(express.json());
app.post('/orders', async (req, res) => {
  const order = { id: `ord-${++placed}`, number: placed, item: String(req.body?.item ?? 'book') };
  await withSpan('orders.save', { attributes: { 'order.id': order.id } }, () => sleep(5));
  const body = JSON.stringify(order);
  await tracePublish({ system: queue.system, destination: 'order.placed', messageId: order.id, bodySize: body.length }, (headers) =>
    queue.publish('order.placed', body, headers),
  );
  res.status(201).json(order);
});

const server = app.listen(0, '127.0.0.1', () => ready({ url: `http://127.0.0.1:${server.address().port}` }));
onStop(async () => {
  server.close();
  await queue.close();
  await tracing.shutdown();
  return tracing.stats();
});

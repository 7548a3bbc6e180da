// NATS (@nats-io/transport-node): traceNats() traces publish, request/reply and callback
// subscriptions, the trace context riding in the NATS headers. Publisher, subscriber and
// responder are in this one process for the example.
// Run: node examples/nats/app.mjs   (NATS at NATS_URL, default 127.0.0.1:4222)
import { connect, headers } from '@nats-io/transport-node';
import { init, withSpan } from 'tracelight';
import { traceNats } from 'tracelight/queue';

const tracing = init({ serviceName: 'nats-example', exporter: 'console' });

// Pass the client's own `headers` function: tracelight never loads the NATS client itself.
const nc = traceNats(await connect({ servers: process.env.NATS_URL ?? '127.0.0.1:4222' }), { headers });

// A responder: each request is handled in a CONSUMER span continuing the caller's trace.
nc.subscribe('prices', {
  callback: (err, msg) => {
    if (err) return;
    withSpan('price.lookup', () => msg.respond(JSON.stringify({ item: msg.string(), price: 12 })));
  },
});
// A subscriber: every published event, in a CONSUMER span under the publisher's.
let shipped;
const received = new Promise((resolve) => (shipped = resolve));
nc.subscribe('shipments', { callback: (err, msg) => !err && withSpan('notify.customer', () => shipped(msg.string())) });

await withSpan('checkout', async () => {
  const reply = await nc.request('prices', 'book', { timeout: 2000 }); // one span until the reply
  console.log('price:', reply.string());
  nc.publish('shipments', 'order o-1');
});
console.log('shipped:', await received);

await nc.drain();
await tracing.shutdown();

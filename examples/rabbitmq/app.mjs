// RabbitMQ producer and consumer (amqplib) in one trace: traceAmqpChannel() makes a PRODUCER
// span per publish with the trace context in the message headers, and a CONSUMER span per
// delivered message that continues it. Both sides are in this one process for the example;
// in yours they are two services, each with its own init().
// Run: node examples/rabbitmq/app.mjs   (RabbitMQ at AMQP_URL, default amqp://guest:guest@127.0.0.1:5672)
import amqp from 'amqplib';
import { init, withSpan } from 'tracelight';
import { traceAmqpChannel } from 'tracelight/queue';

const tracing = init({ serviceName: 'rabbitmq-example', exporter: 'console' });

const connection = await amqp.connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
const QUEUE = 'orders';

// Consumer: each message is handled in a CONSUMER span, child of the producer's span.
const consumer = traceAmqpChannel(await connection.createChannel());
await consumer.assertQueue(QUEUE, { exclusive: true }); // gone when this connection closes
let handled = 0;
const done = new Promise((resolve) => {
  consumer.consume(QUEUE, async (msg) => {
    const order = JSON.parse(msg.content.toString());
    await withSpan('order.fulfil', { attributes: { 'order.id': order.id } }, () => new Promise((r) => setTimeout(r, 20)));
    consumer.ack(msg); // recorded on the consumer span
    if (++handled === 2) resolve();
  });
});

// Producer: publish inside a span of your own, so the trace starts there.
const producer = traceAmqpChannel(await connection.createChannel());
for (const id of ['o-1', 'o-2']) {
  await withSpan('checkout', () => producer.sendToQueue(QUEUE, Buffer.from(JSON.stringify({ id })), { messageId: id }));
}

await done;
console.log(`handled ${handled} orders`);
await connection.close();
await tracing.shutdown();

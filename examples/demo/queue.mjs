// The demo's queue client: RabbitMQ through amqplib when QUEUE_URL is amqp://…, else the demo's
// own broker (broker.mjs) at tcp://…. Both move a body and a headers object, which is all
// tracelight/queue needs from a transport: tracePublish() hands you headers to send with the
// message, traceConsume() takes the headers that arrived. The services never see the difference.
import { connect as tcpConnect } from 'node:net';
import { createInterface } from 'node:readline';

/**
 * Several demos may share one RabbitMQ (tests run at once): each message carries the id of its
 * run, and a worker ignores the messages of other runs.
 */
const RUN = process.env.DEMO_RUN_ID ?? '';
const RUN_HEADER = 'x-demo-run';

/**
 * Connects to the queue at `url`. Returns `{ system, publish(destination, body, headers),
 * consume(destination, onMessage), close() }`; `publish` resolves once the broker has the
 * message; `onMessage(body, headers)` may return a promise (the message is settled after it).
 */
export async function connectQueue(url) {
  return url.startsWith('amqp') ? connectRabbitMq(url) : connectDemoBroker(url);
}

async function connectRabbitMq(url) {
  const { default: amqp } = await import('amqplib');
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  // A fanout exchange per event: every worker's own queue gets a copy, as with the demo's broker.
  // Declared once per process.
  const declared = new Map();
  const declare = (exchange) => {
    if (!declared.has(exchange)) declared.set(exchange, channel.assertExchange(exchange, 'fanout', { durable: false }));
    return declared.get(exchange);
  };
  return {
    system: 'rabbitmq',
    async publish(destination, body, headers) {
      await declare(destination);
      await new Promise((resolve, reject) => {
        const options = { headers: { ...headers, [RUN_HEADER]: RUN }, contentType: 'application/json' };
        channel.publish(destination, '', Buffer.from(body), options, (err) => (err ? reject(err) : resolve()));
      });
    },
    async consume(destination, onMessage) {
      await declare(destination);
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      await channel.bindQueue(queue, destination, '');
      await channel.consume(queue, async (msg) => {
        if (msg === null) return;
        const headers = msg.properties.headers ?? {};
        if (String(headers[RUN_HEADER] ?? '') !== RUN) return channel.ack(msg); // another run's
        try {
          await onMessage(msg.content.toString(), headers);
          channel.ack(msg);
        } catch {
          channel.nack(msg, false, false); // failed: not requeued (a real app would dead-letter it)
        }
      });
    },
    close: () => connection.close(),
  };
}

async function connectDemoBroker(url) {
  const { hostname, port } = new URL(url);
  const socket = tcpConnect(Number(port), hostname);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const send = (message) => socket.write(JSON.stringify(message) + '\n');
  const waiting = new Map(); // publish id -> resolve, or destination -> resolve (subscribe)
  const handlers = new Map(); // destination -> onMessage
  let ids = 0;
  createInterface({ input: socket }).on('line', async (line) => {
    const message = JSON.parse(line);
    if (message.op === 'confirm') waiting.get(message.id)?.();
    else if (message.op === 'subscribed') waiting.get(`sub:${message.destination}`)?.();
    else if (message.op === 'deliver') {
      try {
        await handlers.get(message.destination)?.(message.body, message.headers);
      } catch {
        // failed: the broker does not redeliver (a real app would dead-letter it)
      }
    }
  });
  return {
    system: 'demo-broker',
    publish(destination, body, headers) {
      const id = ++ids;
      return new Promise((resolve) => {
        waiting.set(id, () => (waiting.delete(id), resolve()));
        send({ op: 'publish', id, destination, headers, body });
      });
    },
    consume(destination, onMessage) {
      handlers.set(destination, onMessage);
      return new Promise((resolve) => {
        waiting.set(`sub:${destination}`, resolve);
        send({ op: 'subscribe', destination });
      });
    },
    close: () => socket.end(),
  };
}

// The demo's own message broker, for machines without RabbitMQ: a TCP server speaking JSON lines.
// Like a real broker it keeps each message's headers (where the trace context travels) and
// delivers a copy of every message published to a destination to each of its subscribers.
//   client -> broker  {"op":"subscribe","destination":"order.placed"}
//   client -> broker  {"op":"publish","id":1,"destination":"order.placed","headers":{...},"body":"..."}
//   broker -> client  {"op":"confirm","id":1}  (the publish is accepted)
//   broker -> client  {"op":"deliver","destination":"order.placed","headers":{...},"body":"..."}
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { onStop, ready } from './service.mjs';

const subscribers = new Map(); // destination -> Set of sockets

const server = createServer((socket) => {
  const send = (message) => socket.write(JSON.stringify(message) + '\n');
  socket.on('error', () => {});
  socket.on('close', () => {
    for (const set of subscribers.values()) set.delete(socket);
  });
  createInterface({ input: socket }).on('line', (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return; // not ours
    }
    if (message.op === 'subscribe') {
      if (!subscribers.has(message.destination)) subscribers.set(message.destination, new Set());
      subscribers.get(message.destination).add(socket);
      send({ op: 'subscribed', destination: message.destination });
    } else if (message.op === 'publish') {
      const { destination, headers, body } = message;
      for (const subscriber of subscribers.get(destination) ?? []) {
        subscriber.write(JSON.stringify({ op: 'deliver', destination, headers, body }) + '\n');
      }
      send({ op: 'confirm', id: message.id });
    }
  });
});

server.listen(0, '127.0.0.1', () => ready({ url: `tcp://127.0.0.1:${server.address().port}` }));
onStop(() => {
  server.close();
});

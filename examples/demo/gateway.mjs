// The gateway: a plain `node:http` server. POST /checkout calls the orders service with fetch;
// tracelight's http instrumentation makes the server span, the fetch's client span, and sends
// `traceparent` to orders, so the trace continues there.
import { createServer } from 'node:http';
import { init, logFields } from 'tracelight';
import { setHttpRoute } from 'tracelight/http';
import { onStop, readBody, ready } from './service.mjs';

const tracing = init({ serviceName: 'gateway', instrumentations: { http: true } });

const server = createServer(async (req, res) => {
  setHttpRoute(req, '/checkout');
  const order = await fetch(`${process.env.ORDERS_URL}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: await readBody(req),
  });
  // The trace id in the answer: what a user would quote to find this request in a tracing UI.
  const answer = { ...(await order.json()), traceId: logFields().trace_id };
  res.writeHead(order.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
});

server.listen(0, '127.0.0.1', () => ready({ url: `http://127.0.0.1:${server.address().port}` }));
onStop(async () => {
  server.close();
  await tracing.shutdown(); // exports what is still pending
  return tracing.stats();
});

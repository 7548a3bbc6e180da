// The W3C Trace Context test-harness protocol, in plain Node: no tracing code at all. Tracing
// comes from tracelight's http instrumentation (see server.mjs): the incoming POST /test gets a
// SERVER span continuing the harness's traceparent, and every callback made with fetch inside
// the handler gets a CLIENT span whose traceparent/tracestate are sent to the harness.
import { createServer } from 'node:http';

async function readJson(req) {
  let text = '';
  req.setEncoding('utf8');
  for await (const chunk of req) text += chunk;
  return JSON.parse(text);
}

/**
 * Starts the test service on 127.0.0.1:`port` (0 for any); resolves the listening server.
 * POST `path` with a JSON array of `{ url, arguments }`: for each element, in order, POSTs
 * `arguments` as JSON to `url`, then answers with the callback statuses.
 */
export function startW3cService({ port = 5000, host = '127.0.0.1', path = '/test' } = {}) {
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    let actions;
    try {
      actions = await readJson(req);
      if (!Array.isArray(actions)) throw new TypeError('expected a JSON array');
    } catch (err) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
      return;
    }
    const statuses = [];
    for (const action of actions) {
      try {
        const r = await fetch(action.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(action.arguments ?? []),
        });
        await r.arrayBuffer();
        statuses.push(r.status);
      } catch (err) {
        statuses.push(String(err));
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(statuses));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

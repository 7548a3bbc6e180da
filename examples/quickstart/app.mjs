// tracelight quick start: two services on loopback, traced end to end, printed as waterfalls.
// Run: node examples/quickstart/app.mjs (after `npm run build`). The README's demo, `npm run demo`, is examples/demo/.
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { init, withSpan } from 'tracelight';
import { setHttpRoute } from 'tracelight/http';

const tracing = init({
  serviceName: 'checkout-api',
  exporter: 'console',
  instrumentations: { http: true },
});

// A downstream "payments" service: declines one card in two.
let charges = 0;
const payments = createServer(async (req, res) => {
  setHttpRoute(req, '/charge');
  await sleep(30);
  const declined = ++charges % 2 === 0;
  res.writeHead(declined ? 402 : 200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(declined ? { error: 'card declined' } : { ok: true }));
});

// The service we trace: checks auth and stock, then charges through payments.
const checkout = createServer(async (req, res) => {
  setHttpRoute(req, '/checkout');
  await withSpan('auth.verify', () => sleep(10));
  await withSpan('inventory.check', { attributes: { 'cart.items': 3 } }, () => sleep(15));
  const payment = await withSpan('payment.charge', async (span) => {
    const r = await fetch(`http://127.0.0.1:${payments.address().port}/charge`, { method: 'POST' });
    if (!r.ok) throw new Error((await r.json()).error);
    return r.json();
  }).catch((err) => ({ error: err.message }));
  res.writeHead(payment.error ? 402 : 200).end(JSON.stringify(payment));
});

await new Promise((r) => payments.listen(0, '127.0.0.1', r));
await new Promise((r) => checkout.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${checkout.address().port}/checkout`;

for (let i = 0; i < 2; i++) {
  // The client side is traced too: this span is the root of the trace.
  const r = await fetch(url, { method: 'POST' });
  console.log(`POST /checkout -> ${r.status} ${await r.text()}`);
  await sleep(150); // let the waterfall settle before the next request's output
}

checkout.close();
payments.close();
await tracing.shutdown(); // prints anything still pending
console.log('stats:', tracing.stats());

// Manual spans only: no instrumentation, just withSpan() and traced() around your own code.
// Run: node examples/manual-spans/app.mjs
import { setTimeout as sleep } from 'node:timers/promises';
import { init, traced, withSpan } from 'tracelight';

// `exporter: 'console'` prints each trace as a waterfall; drop it to send OTLP to a collector.
const tracing = init({ serviceName: 'manual-spans', exporter: 'console' });

// traced() wraps a function once; every call runs in its own span.
const fetchPrices = traced('prices.fetch', async (items) => {
  await sleep(20);
  return items.map((item) => ({ item, price: 10 }));
});

async function importBatch(batch) {
  // withSpan() runs the function in a span, nested under the active one, and returns its value.
  return withSpan('batch.import', { attributes: { 'batch.id': batch.id, 'batch.size': batch.items.length } }, async (span) => {
    const prices = await fetchPrices(batch.items);
    await withSpan('db.write', () => sleep(15));
    span.addEvent('prices.applied', { count: prices.length });
    // A throw (or a rejection) marks the span ERROR with the message, and reaches you unchanged.
    await withSpan('audit.log', () => {
      if (batch.items.includes('unknown')) throw new Error('unknown item in batch');
    });
    return prices.length;
  });
}

console.log('imported', await importBatch({ id: 'b-1', items: ['apple', 'pear'] }));
await importBatch({ id: 'b-2', items: ['apple', 'unknown'] }).catch((err) => console.log('failed:', err.message));

await tracing.shutdown(); // prints what is still pending

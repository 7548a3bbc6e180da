// A unit test of traced code under node:test, with tracelight/testing and node:assert.
// Run: node --test examples/testing/checkout.node-test.mjs
//
// tracing.spans(), find(name) and findAll(name) return finished spans as plain objects (a
// PlainSpan); tree() nests them, each with `children` (siblings in start order):
//   {
//     name: 'payment.charge',
//     kind: 'internal',              // 'internal' | 'server' | 'client' | 'producer' | 'consumer'
//     traceId: '4bf92f35…',          // 32 lowercase hex digits
//     spanId: '00f067aa…',           // 16 lowercase hex digits
//     parentSpanId: 'a3ce929d…',     // undefined for a root span
//     parentIsRemote: false,         // true when the parent came from another process (headers)
//     status: { code: 'error', message: 'card declined' },
//                                    // code: 'unset' | 'ok' | 'error'; message only when one was set.
//                                    // withSpan leaves a success 'unset' and sets 'error' on a throw.
//     attributes: { … },             // after redaction, as exported
//     events: [{ name: 'exception', attributes: { 'exception.type': 'Error', 'exception.message': 'card declined', 'exception.stacktrace': '…' } }],
//     links: [],                     // [{ traceId, spanId, attributes }]
//     durationMs: 0.42,              // end minus start, in milliseconds
//   }
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { setupTestTracing } from 'tracelight/testing';
import { checkout } from './checkout.mjs';

const tracing = setupTestTracing({ serviceName: 'checkout-test' });
beforeEach(() => tracing.reset());
after(() => tracing.shutdown());

test('traces a checkout: inventory, then payment, under one checkout span', async () => {
  await checkout({ items: ['book', 'lamp'] });
  const [root, ...others] = tracing.tree();
  assert.equal(others.length, 0);
  assert.equal(root.name, 'checkout');
  assert.equal(root.parentSpanId, undefined);
  assert.deepEqual(root.status, { code: 'unset' });
  assert.deepEqual(root.attributes, { 'cart.items': 2 });
  assert.deepEqual(
    root.children.map((child) => child.name),
    ['inventory.check', 'payment.charge'],
  );
});

test('a declined card: payment.charge and checkout are errors, and the error is rethrown', async () => {
  await assert.rejects(checkout({ items: ['book'], card: 'declined' }), { message: 'card declined' });
  const charge = tracing.find('payment.charge');
  const { traceId, spanId, parentSpanId, durationMs, events, ...rest } = charge;
  assert.deepEqual(rest, {
    name: 'payment.charge',
    kind: 'internal',
    parentIsRemote: false,
    status: { code: 'error', message: 'card declined' },
    attributes: {},
    links: [],
  });
  assert.match(traceId, /^[0-9a-f]{32}$/);
  assert.match(spanId, /^[0-9a-f]{16}$/);
  assert.equal(parentSpanId, tracing.find('checkout').spanId);
  assert.ok(durationMs >= 0);
  assert.deepEqual(
    events.map((e) => [e.name, e.attributes['exception.type'], e.attributes['exception.message']]),
    [['exception', 'Error', 'card declined']],
  );
  assert.deepEqual(tracing.find('checkout').status, { code: 'error', message: 'card declined' });
});

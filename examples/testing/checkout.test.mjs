// A unit test of traced code under vitest, with tracelight/testing.
// Run: npx vitest run --config examples/testing/vitest.config.mjs
import { afterAll, beforeEach, expect, it } from 'vitest';
import { setupTestTracing } from 'tracelight/testing';
import { checkout } from './checkout.mjs';

const tracing = setupTestTracing({ serviceName: 'checkout-test' });
beforeEach(() => tracing.reset());
afterAll(() => tracing.shutdown());

it('traces a checkout: inventory, then payment, under one checkout span', async () => {
  await checkout({ items: ['book', 'lamp'] });
  expect(tracing.tree()).toMatchObject([
    {
      name: 'checkout',
      kind: 'internal',
      parentSpanId: undefined,
      status: { code: 'unset' }, // withSpan leaves a success unset, as OpenTelemetry does
      attributes: { 'cart.items': 2 },
      children: [{ name: 'inventory.check' }, { name: 'payment.charge', status: { code: 'unset' } }],
    },
  ]);
});

it('marks a declined card as an error on payment.charge and checkout, and rethrows it', async () => {
  await expect(checkout({ items: ['book'], card: 'declined' })).rejects.toThrow('card declined');
  expect(tracing.find('payment.charge')).toMatchObject({
    status: { code: 'error', message: 'card declined' },
    events: [{ name: 'exception', attributes: { 'exception.message': 'card declined' } }],
  });
  expect(tracing.find('checkout')?.status).toEqual({ code: 'error', message: 'card declined' });
});

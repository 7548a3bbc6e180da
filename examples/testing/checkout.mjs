// The code under test in this folder's two unit tests: plain withSpan() calls, no init(). In a
// test, setupTestTracing() from tracelight/testing registers the tracer they record into.
import { withSpan } from 'tracelight';

export async function checkout(cart) {
  return withSpan('checkout', { attributes: { 'cart.items': cart.items.length } }, async () => {
    await withSpan('inventory.check', async () => {});
    return withSpan('payment.charge', async () => {
      if (cart.card === 'declined') throw new Error('card declined');
      return { ok: true };
    });
  });
}

import { SpanKind, SpanStatusCode, context, propagation } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { withSpan } from '../../src/index.js';
import { setupTestTracing } from '../../src/testing/index.js';
import { runNode } from '../helpers/child.js';

const tracing = setupTestTracing({ serviceName: 'unit' });
beforeEach(() => tracing.reset());
afterAll(() => tracing.shutdown());

describe('setupTestTracing', () => {
  it('records withSpan trees as plain objects and nests them with tree()', async () => {
    await withSpan('checkout', { kind: SpanKind.SERVER, attributes: { cart: 3 } }, async () => {
      await withSpan('reserve', async () => undefined);
      await withSpan('charge', (span) => {
        span.addEvent('card.accepted', { brand: 'visa' });
      });
    });
    expect(tracing.spans()).toHaveLength(3);
    const checkout = tracing.find('checkout')!;
    expect(checkout).toMatchObject({ kind: 'server', parentSpanId: undefined, attributes: { cart: 3 }, status: { code: 'unset' } });
    expect(tracing.tree()).toMatchObject([
      {
        name: 'checkout',
        children: [
          { name: 'reserve', parentSpanId: checkout.spanId, children: [] },
          { name: 'charge', events: [{ name: 'card.accepted', attributes: { brand: 'visa' } }] },
        ],
      },
    ]);
    expect(tracing.readableSpans()[0]!.resource.attributes['service.name']).toBe('unit');
  });

  it('shows errors as status error with the message', async () => {
    await expect(withSpan('boom', () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    expect(tracing.find('boom')).toMatchObject({ status: { code: 'error', message: 'nope' } });
    expect(tracing.find('boom')!.events[0]!.name).toBe('exception');
  });

  it('reset() forgets spans; findAll finds every span of a name', () => {
    withSpan('a', () => undefined);
    withSpan('a', () => undefined);
    expect(tracing.findAll('a')).toHaveLength(2);
    tracing.reset();
    expect(tracing.spans()).toEqual([]);
  });

  it('marks spans continued from a remote parent', () => {
    const remote = propagation.extract(context.active(), {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    withSpan('from-remote', { parent: remote }, () => undefined);
    expect(tracing.find('from-remote')).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
      parentIsRemote: true,
    });
    expect(tracing.tree()[0]!.name).toBe('from-remote');
  });

  it('a second call returns the same instance, reset', () => {
    withSpan('x', () => undefined);
    expect(setupTestTracing()).toBe(tracing);
    expect(tracing.spans()).toEqual([]);
  });

  it('status codes map to unset/ok/error', () => {
    withSpan('ok', (s) => s.setStatus({ code: SpanStatusCode.OK }));
    expect(tracing.find('ok')!.status).toEqual({ code: 'ok' });
  });

  it('works under node:test in a child process (built package)', async () => {
    const r = await runNode('node-test-consumer.mjs', [], { nodeArgs: ['--test', '--test-reporter=tap'] });
    expect(r.stdout).toMatch(/# pass 1/);
    expect(r.stdout).toMatch(/# fail 0/);
    expect(r.code).toBe(0);
  });
});

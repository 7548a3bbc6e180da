/**
 * Carrier helpers for custom transports, through the globally registered propagator.
 */
import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractContext, injectContext } from '../../src/propagation/carrier.js';
import { createPropagator } from '../../src/propagation/composite.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const spanCtx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(createPropagator(['tracecontext', 'baggage']));
});
afterAll(() => {
  propagation.disable();
  context.disable();
});

describe('carrier helpers', () => {
  it('injectContext writes into a new or given carrier and returns it', () => {
    expect(injectContext({}, spanCtx)).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    const mine = { existing: 'x' };
    expect(injectContext(mine, spanCtx)).toBe(mine);
    expect(mine).toEqual({ existing: 'x', traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    expect(injectContext()).toEqual({}); // no active span
    expect(context.with(spanCtx, () => injectContext())).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
  });

  it('extractContext reads header names case-insensitively, on top of the active context', () => {
    const ctx = extractContext({ TraceParent: `00-${TRACE_ID}-${SPAN_ID}-01`, BAGGAGE: 'k=v' });
    expect(trace.getSpanContext(ctx)).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, isRemote: true });
    expect(propagation.getBaggage(ctx)?.getEntry('k')?.value).toBe('v');
    expect(extractContext(null)).toBe(context.active());
    expect(extractContext('nonsense')).toBe(context.active());
  });
});

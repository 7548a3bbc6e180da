/**
 * createPropagator: OTEL_PROPAGATORS names, B3 through the optional peer, none, unknown names.
 */
import { DiagLogLevel, ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, diag, propagation, trace } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forgetReported } from '../../src/internal/diag.js';
import { createPropagator } from '../../src/propagation/composite.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const ctx = propagation.setBaggage(
  trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 }),
  propagation.createBaggage({ user: { value: 'alice' } }),
);

let warnings: string[];
beforeEach(() => {
  warnings = [];
  const logger: DiagLogger = {
    error: (m) => warnings.push('error ' + m),
    warn: (m) => warnings.push(m),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  forgetReported();
});
afterEach(() => diag.disable());

function inject(names: string[], options?: Parameters<typeof createPropagator>[1]): Record<string, string> {
  const out: Record<string, string> = {};
  createPropagator(names, options).inject(ctx, out, defaultTextMapSetter);
  return out;
}

describe('createPropagator', () => {
  it('tracecontext + baggage inject both and extract both', () => {
    const p = createPropagator(['tracecontext', 'baggage']);
    const out: Record<string, string> = {};
    p.inject(ctx, out, defaultTextMapSetter);
    expect(out).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, baggage: 'user=alice' });
    const back = p.extract(ROOT_CONTEXT, out, defaultTextMapGetter);
    expect(trace.getSpanContext(back)?.spanId).toBe(SPAN_ID);
    expect(propagation.getBaggage(back)?.getEntry('user')?.value).toBe('alice');
    expect(p.fields()).toEqual(['traceparent', 'tracestate', 'baggage']);
    expect(warnings).toEqual([]);
  });

  it('b3 writes the single header, b3multi the X-B3 headers; both read either', () => {
    expect(inject(['b3'])).toEqual({ b3: `${TRACE_ID}-${SPAN_ID}-1` });
    expect(inject(['b3multi'])).toEqual({ 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' });
    const single = createPropagator(['b3']);
    const fromMulti = single.extract(ROOT_CONTEXT, inject(['b3multi']), defaultTextMapGetter);
    expect(trace.getSpanContext(fromMulti)?.traceId).toBe(TRACE_ID);
    expect(warnings).toEqual([]);
  });

  it('warns once, saying to install it, when B3 is missing, and skips it', () => {
    const options = {
      b3Require: () => {
        throw Object.assign(new Error("Cannot find module '@opentelemetry/propagator-b3'"), { code: 'MODULE_NOT_FOUND' });
      },
    };
    expect(inject(['tracecontext', 'b3'], options)).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^tracelight: .*"b3".*npm install @opentelemetry\/propagator-b3/);
    // B3 alone and missing: the default propagates instead, and says so.
    expect(inject(['b3'], options)).toMatchObject({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/no usable propagator in "b3"; using the default, tracecontext and baggage/);
  });

  it('none propagates nothing, and wins over other names with a warning', () => {
    expect(inject(['none'])).toEqual({});
    expect(warnings).toEqual([]);
    const p = createPropagator(['tracecontext', 'none']);
    const out: Record<string, string> = {};
    p.inject(ctx, out, defaultTextMapSetter);
    expect(out).toEqual({});
    expect(p.extract(ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }, defaultTextMapGetter)).toBe(ROOT_CONTEXT);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"none"/);
  });

  it('unknown names warn once through diag and are skipped; duplicates are ignored; only unknown names give the default', () => {
    expect(inject(['xray', 'tracecontext', 'TraceContext', ' tracecontext ', 'xray'])).toEqual({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^tracelight: unknown propagator "xray"/);
    expect(inject(['xray'])).toMatchObject({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/no usable propagator in "xray"; using the default/);
  });

  it('an empty list propagates nothing (the default is the caller\'s)', () => {
    expect(inject([])).toEqual({});
    expect(createPropagator([]).fields()).toEqual([]);
  });

  it('a propagator that throws does not stop the others', () => {
    const p = createPropagator(['tracecontext', 'baggage']);
    const out: Record<string, string> = {};
    let calls = 0;
    p.inject(ctx, out, {
      set(carrier, key, value) {
        calls++;
        if (key === 'traceparent') throw new Error('no');
        (carrier as Record<string, string>)[key] = value;
      },
    });
    expect(calls).toBe(2);
    expect(out).toEqual({ baggage: 'user=alice' });
  });
});

/**
 * W3C Trace Context propagation: our TraceContextPropagator vs @opentelemetry/core's
 * W3CTraceContextPropagator, on the same carriers. Target: extract + inject at least 2× faster.
 * BENCH_QUICK=1 runs few rounds (for development on a busy machine).
 */
import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter } from '@opentelemetry/api';
import type { Context, TextMapPropagator } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { TraceContextPropagator } from '../src/propagation/trace-context-propagator.js';
import { compare, header } from './lib.js';

const quick = process.env['BENCH_QUICK'] === '1';
const options = quick ? { iterations: 20_000, rounds: 3 } : { iterations: 200_000, rounds: 9 };

const ours = new TraceContextPropagator();
const core = new W3CTraceContextPropagator();

const valid = {
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7,vendor3=opaque-value',
};
const invalid = {
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0x',
  tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7,vendor3=opaque-value',
};
const none = { 'content-type': 'application/json' };

// 1024 distinct valid carriers (distinct trace and span ids), cycled, so no case benefits from
// seeing the same ids twice in a row, as a server seeing many traces would not.
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const carriers = Array.from({ length: 1024 }, (_, i) => ({
  traceparent: `00-${hex(i * 2654435761 + 1, 16)}${hex(i + 7, 16)}-${hex(i * 40503 + 1, 16)}-01`,
  tracestate: valid.tracestate,
}));
let next = 0;
const cycling = () => carriers[next++ & 1023]!;

let sink: unknown;
const extract = (p: TextMapPropagator, carrier: object) => () => {
  sink = p.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
};
const inject = (p: TextMapPropagator, ctx: Context) => () => {
  const out: Record<string, string> = {};
  p.inject(ctx, out, defaultTextMapSetter);
  sink = out;
};
const extractCycling = (p: TextMapPropagator) => () => {
  sink = p.extract(ROOT_CONTEXT, cycling(), defaultTextMapGetter);
};
const roundTrip = (p: TextMapPropagator) => () => {
  const ctx = p.extract(ROOT_CONTEXT, cycling(), defaultTextMapGetter);
  const out: Record<string, string> = {};
  p.inject(ctx, out, defaultTextMapSetter);
  sink = out;
};

// Sanity: both sides produce the same headers for the valid carrier.
const a: Record<string, string> = {};
const b: Record<string, string> = {};
ours.inject(ours.extract(ROOT_CONTEXT, valid, defaultTextMapGetter), a, defaultTextMapSetter);
core.inject(core.extract(ROOT_CONTEXT, valid, defaultTextMapGetter), b, defaultTextMapSetter);
if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`outputs differ: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);

console.log(header() + '\n');
// Inject of a context extracted once: the span context of an in-flight request.
const ctxCore = core.extract(ROOT_CONTEXT, valid, defaultTextMapGetter);
const ctxOurs = ours.extract(ROOT_CONTEXT, valid, defaultTextMapGetter);

await compare('extract: valid traceparent + 3-member tracestate', { core: extractCycling(core), tracelight: extractCycling(ours) }, options);
await compare('inject: valid span context + 3-member tracestate', { core: inject(core, ctxCore), tracelight: inject(ours, ctxOurs) }, options);
await compare('extract: invalid traceparent', { core: extract(core, invalid), tracelight: extract(ours, invalid) }, options);
await compare('extract: no trace headers', { core: extract(core, none), tracelight: extract(ours, none) }, options);
await compare('extract + inject: valid traceparent + 3-member tracestate', { core: roundTrip(core), tracelight: roundTrip(ours) }, options);
if (sink === 42) console.log('unreachable');

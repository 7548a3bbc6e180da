/**
 * Span timestamps against a wall clock that moves apart from the monotonic clock (a host
 * suspend, a VM freeze, an NTP step), faked with Date.now(): a new trace starts at the wall
 * clock's time; spans of a trace already running keep its anchor, so the trace stays monotonic
 * and durations come from the monotonic clock.
 */
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { LightTracerProvider } from '../../src/span/tracer-provider.js';

const HOUR = 3_600_000;
const exporter = new InMemorySpanExporter();
const tracer = new LightTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })] }).getTracer('clock');

beforeAll(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
afterAll(() => context.disable());
afterEach(() => {
  vi.restoreAllMocks();
  exporter.reset();
});

const ms = (t: HrTime): number => t[0] * 1000 + t[1] / 1e6;
const find = (name: string): ReadableSpan => exporter.getFinishedSpans().find((s) => s.name === name)!;

it('a trace started after the wall clock jumped an hour ahead starts at the wall clock time', () => {
  const real = Date.now();
  tracer.startSpan('before').end();
  vi.spyOn(Date, 'now').mockImplementation(() => real + HOUR);
  tracer.startSpan('after').end();
  expect(Math.abs(ms(find('before').startTime) - real)).toBeLessThan(50);
  // Anchored once per process (performance.timeOrigin), this read `real`: an hour off for good.
  expect(Math.abs(ms(find('after').startTime) - (real + HOUR))).toBeLessThan(50);
});

it('a trace already running keeps its anchor: its children stay monotonic, durations are monotonic', () => {
  const real = Date.now();
  const root = tracer.startSpan('root');
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  tracer.startSpan('child-before', undefined, ctx).end();
  vi.spyOn(Date, 'now').mockImplementation(() => real - HOUR); // the wall clock steps back an hour
  tracer.startSpan('child-after', undefined, ctx).end();
  root.end();
  const [r, before, after] = [find('root'), find('child-before'), find('child-after')];
  expect(ms(before.startTime)).toBeGreaterThanOrEqual(ms(r.startTime));
  expect(ms(after.startTime)).toBeGreaterThanOrEqual(ms(before.startTime));
  expect(ms(after.startTime) - ms(r.startTime)).toBeLessThan(50);
  for (const s of [r, before, after]) {
    expect(ms(s.duration)).toBeGreaterThanOrEqual(0);
    expect(ms(s.duration)).toBeLessThan(50);
    expect(ms(s.endTime) - ms(s.startTime)).toBeCloseTo(ms(s.duration), 3);
  }
});

it('a span continuing a remote parent (an incoming request) anchors anew', () => {
  const real = Date.now();
  vi.spyOn(Date, 'now').mockImplementation(() => real + 2 * HOUR);
  const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true });
  tracer.startSpan('server', undefined, remote).end();
  expect(Math.abs(ms(find('server').startTime) - (real + 2 * HOUR))).toBeLessThan(50);
});

import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { pino } from 'pino';
import winston from 'winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFields } from '../../src/span/active.js';
import { LightTracerProvider } from '../../src/span/tracer-provider.js';
import { setWithSpanTracer, withSpan } from '../../src/span/with-span.js';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  setWithSpanTracer(new LightTracerProvider().getTracer('tracelight'));
});
afterAll(() => {
  context.disable();
  setWithSpanTracer(undefined);
});

function collector(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(line);
      cb();
    },
  });
  return { stream, lines };
}

describe('active span helpers', () => {
  it('return nothing outside a span', () => {
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(logFields()).toEqual({});
  });

  it('return the ids inside a span', async () => {
    await withSpan('op', async (span) => {
      await new Promise((r) => setTimeout(r, 1));
      const sc = span.spanContext();
      expect(logFields()).toEqual({ trace_id: sc.traceId, span_id: sc.spanId, trace_flags: '03' });
    });
  });

  it('pino mixin puts the ids in every line logged inside a span', async () => {
    const { stream, lines } = collector();
    const logger = pino({ mixin: logFields }, stream);
    let ids: { traceId: string; spanId: string } | undefined;
    await withSpan('pino', async (span) => {
      ids = span.spanContext();
      await new Promise((r) => setTimeout(r, 1));
      logger.info('inside');
    });
    logger.info('outside');
    await new Promise((r) => setImmediate(r));
    const [inside, outside] = lines.map((l) => JSON.parse(l));
    expect(inside).toMatchObject({ msg: 'inside', trace_id: ids!.traceId, span_id: ids!.spanId, trace_flags: '03' });
    expect(outside.msg).toBe('outside');
    expect(outside.trace_id).toBeUndefined();
  });

  it('winston format puts the ids in every line logged inside a span', async () => {
    const { stream, lines } = collector();
    const addIds = winston.format((info) => Object.assign(info, logFields()));
    const logger = winston.createLogger({
      format: winston.format.combine(addIds(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream })],
    });
    let ids: { traceId: string; spanId: string } | undefined;
    await withSpan('winston', async (span) => {
      ids = span.spanContext();
      await new Promise((r) => setTimeout(r, 1));
      logger.info('inside');
    });
    logger.info('outside');
    await new Promise((r) => setImmediate(r));
    const [inside, outside] = lines.map((l) => JSON.parse(l));
    expect(inside).toMatchObject({ message: 'inside', trace_id: ids!.traceId, span_id: ids!.spanId, trace_flags: '03' });
    expect(outside.message).toBe('outside');
    expect(outside.trace_id).toBeUndefined();
    logger.close();
  });
});

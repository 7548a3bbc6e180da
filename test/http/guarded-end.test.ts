/**
 * Under another tracer provider whose span processor throws in onEnd, the instrumentation's end
 * paths (a server response's 'finish', a client's response or error, fetch) must not turn the
 * throw into an uncaught exception inside Node's emitters: requests complete, one diag report.
 */
import http from 'node:http';
import { context, diag, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { TracerProvider as BasicTracerProvider } from '@opentelemetry/sdk-trace';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { enableHttpInstrumentation } from '../../src/instrumentations/http/enable.js';
import { until } from '../exporters/helpers.js';
import { closedPort } from '../exporters/otlp-receiver.js';
import { captureDiag } from '../helpers/capture-diag.js';
import { close, listen } from './helpers.js';

let ended = 0;
const throwing: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => {
    ended++;
    throw new Error('processor bug');
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
const uncaught: unknown[] = [];
const onUncaught = (err: unknown): void => void uncaught.push(err);
let disable: () => void;
let messages: string[];

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [throwing] }));
  messages = captureDiag();
  process.on('uncaughtException', onUncaught);
  disable = enableHttpInstrumentation();
});
afterAll(() => {
  disable();
  process.off('uncaughtException', onUncaught);
  trace.disable();
  context.disable();
  propagation.disable();
  diag.disable();
});

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

it('requests through http.get, fetch and a failing connection complete; the throw is reported once', async () => {
  const server = http.createServer((req, res) => res.end(`ok ${req.url}`));
  const port = await listen(server);
  try {
    for (let i = 0; i < 5; i++) {
      expect(await get(`http://127.0.0.1:${port}/a${i}`)).toBe(`ok /a${i}`);
      expect(await (await fetch(`http://127.0.0.1:${port}/b${i}`)).text()).toBe(`ok /b${i}`);
    }
    await expect(get(`http://127.0.0.1:${await closedPort()}/gone`)).rejects.toThrow(/ECONNREFUSED/);
    // Server and client spans all end (10 SERVER, 10 CLIENT, 1 failed CLIENT), each end throwing in the processor.
    await until(() => ended >= 21, '21 spans ended');
  } finally {
    await close(server);
  }
  expect(uncaught).toEqual([]);
  expect(messages.filter((m) => m.includes('ending a span threw'))).toHaveLength(1);
});

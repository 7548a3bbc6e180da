import http from 'node:http';
import https from 'node:https';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, expect, test } from 'vitest';
import { enableHttpInstrumentation, isHttpInstrumentationEnabled } from '../../src/instrumentations/http/index.js';
import { forgetReported } from '../../src/internal/diag.js';
import { captureDiag } from '../helpers/capture-diag.js';
import { close, listen, setupOtel, waitForSpans } from './helpers.js';

const otel = setupOtel();
afterAll(() => otel.teardown());

async function roundTrip(port: number): Promise<Record<string, string>> {
  const viaHttp = await new Promise<string>((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}/`, (res) => {
      let d = '';
      res.on('data', (c) => (d += c));
      res.on('end', () => resolve(d));
    }).on('error', reject);
  });
  const viaFetch = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  return { viaHttp, viaFetch };
}

test('enable, enable again (warns once, new options win), disable restores the prototypes', async () => {
  const server = http.createServer((req, res) => res.end(String(req.headers.traceparent ?? 'none')));
  const port = await listen(server);
  const emitBefore = Object.getOwnPropertyDescriptor(http.Server.prototype, 'emit');
  const httpsEmitBefore = Object.getOwnPropertyDescriptor(https.Server.prototype, 'emit');

  forgetReported();
  const messages = captureDiag();
  const first = enableHttpInstrumentation();
  const second = enableHttpInstrumentation({ ignoreIncoming: ['/'] });
  expect(messages.filter((m) => m.includes('called again'))).toHaveLength(1);
  expect(isHttpInstrumentationEnabled()).toBe(true);
  first(); // an older disable does nothing
  expect(isHttpInstrumentationEnabled()).toBe(true);

  const traced = await roundTrip(port);
  expect(traced.viaHttp).toMatch(/^00-/);
  expect(traced.viaFetch).toMatch(/^00-/);
  await waitForSpans(otel.exporter, 2, (s) => s.kind === SpanKind.CLIENT);
  // The new options ignore '/': no SERVER span. The clients have read the responses, so the
  // server's 'finish' (where a SERVER span would end) is past.
  expect(otel.exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(0);

  second();
  expect(isHttpInstrumentationEnabled()).toBe(false);
  expect(Object.getOwnPropertyDescriptor(http.Server.prototype, 'emit')).toEqual(emitBefore);
  expect(Object.getOwnPropertyDescriptor(https.Server.prototype, 'emit')).toEqual(httpsEmitBefore);
  otel.exporter.reset();
  const untraced = await roundTrip(port);
  expect(untraced).toEqual({ viaHttp: 'none', viaFetch: 'none' });
  expect(otel.exporter.getFinishedSpans()).toHaveLength(0);
  await close(server);
});

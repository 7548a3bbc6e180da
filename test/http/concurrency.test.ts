import http from 'node:http';
import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, expect, test } from 'vitest';
import { enableHttpInstrumentation } from '../../src/instrumentations/http/index.js';
import { close, listen, parentId, request, setupOtel, waitForSpans } from './helpers.js';

const otel = setupOtel();
const disable = enableHttpInstrumentation();
afterAll(async () => {
  disable();
  await otel.teardown();
});

const N = 500;

function httpGet(url: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      let d = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (d += c));
      res.on('end', () => resolve(d));
    });
    req.on('error', reject);
  });
}

test(`${N} concurrent requests, each calling downstream with fetch and http.request: every span has the right parent`, async () => {
  // Downstream answers with the traceparent it received.
  const downstream = http.createServer((req, res) => {
    setTimeout(() => res.end(String(req.headers.traceparent)), Math.random() * 5);
  });
  const downPort = await listen(downstream);
  const downAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const front = http.createServer(async (req, res) => {
    const i = req.url!.slice(1);
    const self = trace.getActiveSpan()!.spanContext().spanId;
    // Interleave the two clients differently per request, with waits in between.
    await new Promise((r) => setTimeout(r, Math.random() * 5));
    const [viaFetch, viaHttp] = await Promise.all([
      fetch(`http://127.0.0.1:${downPort}/f${i}`).then((r) => r.text()),
      httpGet(`http://127.0.0.1:${downPort}/h${i}`, downAgent),
    ]);
    res.end(JSON.stringify({ self, viaFetch, viaHttp, after: trace.getActiveSpan()!.spanContext().spanId }));
  });
  const frontPort = await listen(front);

  const traceIdOf = (i: number) => (i + 1).toString(16).padStart(32, '0').replace(/^0/, 'a');
  const parentOf = (i: number) => (i + 1).toString(16).padStart(16, '0').replace(/^0/, 'b');
  const clientAgent = new http.Agent({ keepAlive: true, maxSockets: N });
  const responses = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      request({
        host: '127.0.0.1',
        port: frontPort,
        path: `/${i}`,
        agent: clientAgent,
        headers: { traceparent: `00-${traceIdOf(i)}-${parentOf(i)}-01` },
      }),
    ),
  );
  clientAgent.destroy();
  downAgent.destroy();

  // Front: N SERVER spans + 2N CLIENT spans; downstream: 2N SERVER spans.
  const spans = await waitForSpans(otel.exporter, 5 * N);
  const byId = new Map<string, ReadableSpan>(spans.map((s) => [s.spanContext().spanId, s]));
  const frontSpans = new Map<string, ReadableSpan>();
  const downstreamSpans = new Map<string, ReadableSpan>();
  for (const s of spans) {
    if (s.kind !== SpanKind.SERVER) continue;
    const path = String(s.attributes['url.path']);
    if (s.attributes['server.port'] === frontPort) frontSpans.set(path, s);
    else downstreamSpans.set(path, s);
  }
  expect(frontSpans.size).toBe(N);
  expect(downstreamSpans.size).toBe(2 * N);

  for (let i = 0; i < N; i++) {
    const body = JSON.parse(responses[i]!.body) as { self: string; viaFetch: string; viaHttp: string; after: string };
    const frontSpan = frontSpans.get(`/${i}`)!;
    expect(frontSpan.spanContext().traceId).toBe(traceIdOf(i));
    expect(parentId(frontSpan)).toBe(parentOf(i));
    expect(body.self).toBe(frontSpan.spanContext().spanId);
    expect(body.after).toBe(body.self);
    for (const [prefix, header] of [
      ['f', body.viaFetch],
      ['h', body.viaHttp],
    ] as const) {
      const down = downstreamSpans.get(`/${prefix}${i}`)!;
      const client = byId.get(parentId(down)!)!;
      expect(client.kind).toBe(SpanKind.CLIENT);
      expect(String(client.attributes['url.full'])).toBe(`http://127.0.0.1:${downPort}/${prefix}${i}`);
      expect(parentId(client)).toBe(frontSpan.spanContext().spanId);
      expect(down.spanContext().traceId).toBe(traceIdOf(i));
      expect(header).toBe(`00-${traceIdOf(i)}-${client.spanContext().spanId}-01`);
    }
  }
  await close(front);
  await close(downstream);
});

/**
 * tracelight's SERVER span in the `RPCMetadata` contract of `@opentelemetry/core` (how the official
 * framework instrumentations name the server span): the handler's context carries it, a route
 * written into it names the span when it ends, `setHttpRoute` wins, and our own metadata is never
 * taken for another instrumentation's.
 */
import http from 'node:http';
import { context, SpanKind } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { enableHttpInstrumentation, getServerSpan, setHttpRoute } from '../../src/instrumentations/http/index.js';
import { close, listen, request, setupOtel, waitForSpans } from './helpers.js';

const otel = setupOtel();
let disable: () => void;
beforeAll(() => {
  disable = enableHttpInstrumentation();
});
afterAll(async () => {
  disable();
  await otel.teardown();
});
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
  otel.exporter.reset();
});

async function serve(listener: http.RequestListener): Promise<number> {
  const server = http.createServer(listener);
  servers.push(server);
  return listen(server);
}

test('the handler runs with RPCMetadata (type http) holding the SERVER span; a route written into it names the span', async () => {
  let sameSpan = false;
  const port = await serve((req, res) => {
    const metadata = getRPCMetadata(context.active());
    sameSpan = metadata?.type === RPCType.HTTP && metadata.span === getServerSpan(req);
    metadata!.route = '/first/:x';
    metadata!.route = '/items/:id'; // frameworks write it at every layer: the last one counts
    res.end('ok');
  });
  await request({ host: '127.0.0.1', port, path: '/items/7' });
  const [span] = await waitForSpans(otel.exporter, 1, (s) => s.kind === SpanKind.SERVER);
  expect(sameSpan).toBe(true);
  expect(span!.name).toBe('GET /items/:id');
  expect(span!.attributes['http.route']).toBe('/items/:id');
});

test('setHttpRoute wins over a route in RPCMetadata', async () => {
  const port = await serve((req, res) => {
    setHttpRoute(req, '/ours/:id');
    getRPCMetadata(context.active())!.route = '/theirs';
    res.end('ok');
  });
  await request({ host: '127.0.0.1', port, path: '/ours/1' });
  const [span] = await waitForSpans(otel.exporter, 1, (s) => s.kind === SpanKind.SERVER);
  expect(span!.name).toBe('GET /ours/:id');
});

test('a server started inside a handler (our metadata in its context) still gets its SERVER spans', async () => {
  const inner: { port?: number } = {};
  const port = await serve(async (_req, res) => {
    if (inner.port === undefined) inner.port = await serve((_r, s) => s.end('inner'));
    res.end(String(inner.port));
  });
  const innerPort = Number((await request({ host: '127.0.0.1', port, path: '/outer' })).body);
  expect((await request({ host: '127.0.0.1', port: innerPort, path: '/inner' })).body).toBe('inner');
  const spans = await waitForSpans(otel.exporter, 2, (s) => s.kind === SpanKind.SERVER);
  expect(spans.map((s) => s.attributes['url.path']).sort()).toEqual(['/inner', '/outer']);
});

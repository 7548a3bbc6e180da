import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  enableHttpInstrumentation,
  getServerSpan,
  setHttpRoute,
  traceHandler,
} from '../../src/instrumentations/http/index.js';
import { forgetReported } from '../../src/internal/diag.js';
import { captureDiag } from '../helpers/capture-diag.js';
import { close, listen, parentId, PARENT_ID, request, setupOtel, TRACE_ID, TRACEPARENT, waitForSpans } from './helpers.js';

const otel = setupOtel();
const servers: Array<http.Server | net.Server> = [];

async function serve(listener: http.RequestListener, configure?: (s: http.Server) => void): Promise<number> {
  const server = http.createServer(listener);
  configure?.(server);
  servers.push(server);
  return listen(server);
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
  otel.exporter.reset();
});
afterAll(() => otel.teardown());

const serverSpans = (s: { kind: SpanKind }) => s.kind === SpanKind.SERVER;

describe('global instrumentation', () => {
  let disable: () => void;
  beforeAll(() => {
    disable = enableHttpInstrumentation({
      ignoreIncoming: ['/healthz', /^\/internal\//],
      requestHeaders: ['x-request-id', 'Authorization', 'cookie', 'x-multi'],
      responseHeaders: ['content-type', 'set-cookie'],
      sensitiveQueryParams: ['token', 'sig'],
    });
  });
  afterAll(() => disable());

  test('continues the incoming trace and records the stable attributes', async () => {
    const port = await serve((_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.setHeader('set-cookie', 'session=secret');
      res.end('ok');
    });
    const r = await request({
      host: '127.0.0.1',
      port,
      path: '/users/42?token=s3cret&page=2',
      headers: {
        traceparent: TRACEPARENT,
        'user-agent': 'test-agent/1.0',
        'x-request-id': 'abc',
        authorization: 'Bearer secret',
        cookie: 'a=b',
        'x-forwarded-for': '203.0.113.9, 10.0.0.1',
      },
    });
    expect(r.status).toBe(200);
    const [span] = await waitForSpans(otel.exporter, 1, serverSpans);
    expect(span!.name).toBe('GET');
    expect(span!.kind).toBe(SpanKind.SERVER);
    expect(span!.spanContext().traceId).toBe(TRACE_ID);
    expect(parentId(span!)).toBe(PARENT_ID);
    expect(span!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/users/42',
      'url.query': 'token=REDACTED&page=2',
      'server.address': '127.0.0.1',
      'server.port': port,
      'network.protocol.version': '1.1',
      'user_agent.original': 'test-agent/1.0',
      'client.address': '203.0.113.9',
      'network.peer.address': '127.0.0.1',
      'http.response.status_code': 200,
      'http.request.header.x-request-id': ['abc'],
      'http.response.header.content-type': ['text/plain'],
    });
    const keys = Object.keys(span!.attributes);
    expect(keys).not.toContain('http.request.header.authorization');
    expect(keys).not.toContain('http.request.header.cookie');
    expect(keys).not.toContain('http.response.header.set-cookie');
    expect(JSON.stringify(span!.attributes)).not.toContain('secret');
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });

  test('starts a new trace without traceparent, and for malformed or repeated ones', async () => {
    const port = await serve((_req, res) => res.end());
    await request({ host: '127.0.0.1', port, path: '/a' });
    await request({ host: '127.0.0.1', port, path: '/b', headers: { traceparent: '00-zzzz-b7ad6b7169203331-01' } });
    await request({
      host: '127.0.0.1',
      port,
      path: '/c',
      headers: [
        'host',
        `127.0.0.1:${port}`,
        'traceparent',
        TRACEPARENT,
        'traceparent',
        `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`,
      ] as unknown as http.OutgoingHttpHeaders,
    });
    await request({ host: '127.0.0.1', port, path: '/d', headers: { traceparent: `00-${'0'.repeat(32)}-${PARENT_ID}-01` } });
    const spans = await waitForSpans(otel.exporter, 4, serverSpans);
    expect(spans.map((s) => s.attributes['url.path']).sort()).toEqual(['/a', '/b', '/c', '/d']);
    for (const s of spans) {
      expect(s.parentSpanContext).toBeUndefined();
      expect(s.spanContext().traceId).not.toBe(TRACE_ID);
      expect(s.spanContext().traceId).not.toBe('1'.repeat(32));
      expect(s.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(4);
  });

  test('marks 5xx as ERROR and leaves 4xx unset', async () => {
    const port = await serve((req, res) => {
      res.statusCode = Number(req.url!.slice(1));
      res.end();
    });
    for (const code of [404, 500, 503]) await request({ host: '127.0.0.1', port, path: `/${code}` });
    const spans = await waitForSpans(otel.exporter, 3, serverSpans);
    const byCode = new Map(spans.map((s) => [s.attributes['http.response.status_code'], s]));
    expect(byCode.get(404)!.status.code).toBe(SpanStatusCode.UNSET);
    expect(byCode.get(404)!.attributes['error.type']).toBeUndefined();
    expect(byCode.get(500)!.status.code).toBe(SpanStatusCode.ERROR);
    expect(byCode.get(500)!.attributes['error.type']).toBe('500');
    expect(byCode.get(503)!.attributes['error.type']).toBe('503');
  });

  test('unknown methods become _OTHER, named HTTP, with the original kept', async () => {
    const port = await serve((_req, res) => res.end());
    await request({ host: '127.0.0.1', port, path: '/', method: 'PROPFIND' });
    const [span] = await waitForSpans(otel.exporter, 1, serverSpans);
    expect(span!.name).toBe('HTTP');
    expect(span!.attributes['http.request.method']).toBe('_OTHER');
    expect(span!.attributes['http.request.method_original']).toBe('PROPFIND');
  });

  test('the span is active in the handler: after await, in timers, in req/res and socket listeners', async () => {
    const downstream = net.createServer((socket) => socket.end('pong'));
    servers.push(downstream);
    const downPort = await listen(downstream);
    const seen: Record<string, string | undefined> = {};
    const id = () => trace.getActiveSpan()?.spanContext().spanId;
    const port = await serve(async (req, res) => {
      seen.sync = id();
      await sleep(2);
      seen.afterAwait = id();
      await new Promise<void>((r) => setTimeout(() => ((seen.timer = id()), r()), 1));
      await new Promise<void>((r) => setImmediate(() => ((seen.immediate = id()), r())));
      req.on('data', () => (seen.data = id()));
      await once(req, 'end');
      seen.end = id();
      await new Promise<void>((resolve) => {
        const socket = net.connect(downPort, '127.0.0.1');
        socket.on('data', () => (seen.socketData = id()));
        socket.on('close', () => ((seen.socketClose = id()), resolve()));
      });
      res.on('finish', () => (seen.finish = id()));
      res.end('done');
    });
    await request({ host: '127.0.0.1', port, path: '/ctx', method: 'POST', body: 'x'.repeat(100_000) });
    const [span] = await waitForSpans(otel.exporter, 1, serverSpans);
    const expected = span!.spanContext().spanId;
    expect(seen).toEqual({
      sync: expected,
      afterAwait: expected,
      timer: expected,
      immediate: expected,
      data: expected,
      end: expected,
      socketData: expected,
      socketClose: expected,
      finish: expected,
    });
  });

  test("req 'end' listeners the handler adds before or after the response finished see the span", async () => {
    // The response is sent before the request body is read: Node adds its own 'end' listener to
    // req while finishing (which the instrumentation leaves alone); the handler's must still run
    // in the request's context.
    const seen: Record<string, string | undefined> = {};
    const id = () => trace.getActiveSpan()?.spanContext().spanId;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const ended = new Promise<void>((resolve) => {
      void serve((req, res) => {
        req.on('end', () => (seen.before = id()));
        res.end('early');
        res.on('close', () => {
          setImmediate(() => {
            req.on('end', () => ((seen.after = id()), resolve()));
            req.resume();
            release();
          });
        });
      }).then((port) => {
        const client = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/early' }, (res) => res.resume());
        client.write('first part');
        void released.then(() => client.end('last part'));
      });
    });
    await ended;
    const [span] = await waitForSpans(otel.exporter, 1, serverSpans);
    const expected = span!.spanContext().spanId;
    expect(seen).toEqual({ before: expected, after: expected });
  });

  test("once Node's own req 'end' listener is known, a handler's 'end' listener still sees the span", async () => {
    // The first request teaches the instrumentation Node's listener (added while finishing, as
    // the body is unread); on the second, the handler's 'end' listener comes after Node's.
    const id = () => trace.getActiveSpan()?.spanContext().spanId;
    const seen: (string | undefined)[] = [];
    let onSecondEnd!: () => void;
    const secondEnded = new Promise<void>((r) => (onSecondEnd = r));
    const releases: (() => void)[] = [];
    const port = await serve((req, res) => {
      const first = req.url === '/first';
      res.end('early');
      res.on('close', () => {
        setImmediate(() => {
          if (!first) req.on('end', () => (seen.push(id()), onSecondEnd()));
          req.resume();
          releases.shift()?.();
        });
      });
    });
    for (const path of ['/first', '/second']) {
      await new Promise<void>((done) => {
        const client = http.request({ host: '127.0.0.1', port, method: 'POST', path }, (res) => res.resume().on('end', done));
        client.write('first part');
        releases.push(() => client.end('last part'));
      });
    }
    await secondEnded;
    const spans = await waitForSpans(otel.exporter, 2, serverSpans);
    const second = spans.find((s) => s.attributes['url.path'] === '/second')!;
    expect(seen).toEqual([second.spanContext().spanId]);
  });

  test('ignored paths get no span, and their outgoing calls are not traced', async () => {
    const downstream = await serve((req, res) => res.end(String(req.headers.traceparent ?? 'none')));
    const port = await serve(async (_req, res) => {
      const r = await fetch(`http://127.0.0.1:${downstream}/from-health`);
      res.end(await r.text());
    });
    const health = await request({ host: '127.0.0.1', port, path: '/healthz' });
    expect(health.body).toBe('none');
    await request({ host: '127.0.0.1', port, path: '/internal/metrics' });
    await request({ host: '127.0.0.1', port, path: '/healthz2' });
    const spans = await waitForSpans(otel.exporter, 3);
    // The requests ran one after the other: once /healthz2's span has ended, a span of the earlier
    // ones would have ended before it (a SERVER span ends at 'finish', before the client's 'end').
    await waitForSpans(otel.exporter, 1, (s) => serverSpans(s) && s.attributes['url.path'] === '/healthz2');
    const paths = otel.exporter.getFinishedSpans().filter(serverSpans).map((s) => s.attributes['url.path']);
    expect(paths).toContain('/healthz2');
    expect(paths).not.toContain('/healthz');
    expect(paths).not.toContain('/internal/metrics');
    expect(spans.length).toBeGreaterThanOrEqual(3);
  });

  test('keep-alive: one connection, many requests, each in its own trace', async () => {
    const port = await serve((req, res) => res.end(trace.getActiveSpan()?.spanContext().traceId));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const traceIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const traceId = (i + 1).toString(16).padStart(32, 'a');
      traceIds.push(traceId);
      const r = await new Promise<string>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: `/k${i}`, agent, headers: { traceparent: `00-${traceId}-${PARENT_ID}-01` } }, (res) => {
          sockets.add(res.socket);
          let d = '';
          res.on('data', (c) => (d += c));
          res.on('end', () => resolve(d));
        });
        req.on('error', reject);
      });
      expect(r).toBe(traceId);
    }
    agent.destroy();
    expect(sockets.size).toBe(1);
    const spans = await waitForSpans(otel.exporter, 20, serverSpans);
    for (let i = 0; i < 20; i++) {
      const s = spans.find((x) => x.attributes['url.path'] === `/k${i}`)!;
      expect(s.spanContext().traceId).toBe(traceIds[i]);
      // The peer address is read once per connection and reused for its later requests.
      expect(s.attributes['client.address']).toBe('127.0.0.1');
    }
  });

  test('HTTP/1.1 pipelining: two requests written at once get their own spans and traces', async () => {
    const port = await serve(async (req, res) => {
      await sleep(req.url === '/p1' ? 20 : 1);
      res.end(trace.getActiveSpan()?.spanContext().traceId);
    });
    const t1 = 'c'.repeat(32);
    const t2 = 'd'.repeat(32);
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (raw += c));
    socket.write(
      `GET /p1 HTTP/1.1\r\nHost: x\r\ntraceparent: 00-${t1}-${PARENT_ID}-01\r\n\r\n` +
        `GET /p2 HTTP/1.1\r\nHost: x\r\ntraceparent: 00-${t2}-${PARENT_ID}-01\r\nConnection: close\r\n\r\n`,
    );
    await once(socket, 'close');
    expect(raw.indexOf(t1)).toBeGreaterThan(0);
    expect(raw.indexOf(t2)).toBeGreaterThan(raw.indexOf(t1));
    const spans = await waitForSpans(otel.exporter, 2, serverSpans);
    expect(spans.find((s) => s.attributes['url.path'] === '/p1')!.spanContext().traceId).toBe(t1);
    expect(spans.find((s) => s.attributes['url.path'] === '/p2')!.spanContext().traceId).toBe(t2);
  });

  test('a client that goes away before the response ends the span with error.type', async () => {
    let handlerSawClose!: () => void;
    const closed = new Promise<void>((r) => (handlerSawClose = r));
    let handlerStarted!: () => void;
    const started = new Promise<void>((r) => (handlerStarted = r));
    const port = await serve((_req, res) => {
      res.on('close', () => handlerSawClose());
      handlerStarted();
    });
    const socket = net.connect(port, '127.0.0.1');
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await started;
    socket.destroy();
    await closed;
    const [span] = await waitForSpans(otel.exporter, 1, serverSpans);
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(typeof span!.attributes['error.type']).toBe('string');
    expect(span!.attributes['http.response.status_code']).toBeUndefined();
  });

  test('a server timeout ends the span with error.type', async () => {
    const port = await serve(
      () => {
        /* never answers */
      },
      (s) => s.setTimeout(50),
    );
    const socket = net.connect(port, '127.0.0.1');
    socket.write('GET /never HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.resume();
    await once(socket, 'close');
    const [span] = await waitForSpans(otel.exporter, 1, serverSpans);
    expect(span!.attributes['url.path']).toBe('/never');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(typeof span!.attributes['error.type']).toBe('string');
  });

  test('Expect: 100-continue, with and without a checkContinue listener', async () => {
    const body = 'y'.repeat(1000);
    const handler: http.RequestListener = (req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(`${n}:${trace.getActiveSpan()?.spanContext().traceId}`));
    };
    const plain = await serve(handler);
    const withListener = await serve(handler, (s) =>
      s.on('checkContinue', (req, res) => {
        res.writeContinue();
        s.emit('request', req, res);
      }),
    );
    for (const port of [plain, withListener]) {
      const text = await new Promise<string>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          path: `/continue-${port}`,
          method: 'PUT',
          headers: { expect: '100-continue', 'content-length': body.length, traceparent: TRACEPARENT },
        });
        req.on('continue', () => req.end(body));
        req.on('error', reject);
        req.on('response', (res) => {
          let d = '';
          res.on('data', (c) => (d += c));
          res.on('end', () => resolve(d));
        });
      });
      expect(text).toBe(`1000:${TRACE_ID}`);
    }
    const spans = await waitForSpans(otel.exporter, 2, serverSpans);
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe(TRACE_ID);
      expect(s.attributes['http.response.status_code']).toBe(200);
    }
  });

  test('streaming request and response bodies: the span covers the whole response', async () => {
    const port = await serve(async (req, res) => {
      let n = 0;
      for await (const chunk of req) n += (chunk as Buffer).length;
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 5; i++) {
        res.write(`chunk${i}:${n}\n`);
        await sleep(5);
      }
      res.end();
    });
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/stream', method: 'POST' }, (res) => {
        let d = '';
        res.on('data', (c) => (d += c));
        res.on('end', () => resolve(d));
      });
      req.on('error', reject);
      let i = 0;
      const tick = () => {
        if (i++ < 5) {
          req.write('z'.repeat(1000));
          setTimeout(tick, 2);
        } else req.end();
      };
      tick();
    });
    expect(text.trim().split('\n')).toHaveLength(5);
    const [span] = await waitForSpans(otel.exporter, 1, serverSpans);
    expect(span!.attributes['http.response.status_code']).toBe(200);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    // It ended after the last chunk was written: at least the 5 × 5 ms of the handler.
    const durationMs = span!.duration[0] * 1e3 + span!.duration[1] / 1e6;
    expect(durationMs).toBeGreaterThan(20);
  });

  test('setHttpRoute names the span {METHOD} {route} and getServerSpan finds it from a child span', async () => {
    const port = await serve((req, res) => {
      const tracer = trace.getTracer('test');
      tracer.startActiveSpan('child', (child) => {
        expect(getServerSpan(req)).toBeDefined();
        expect(getServerSpan(req)).not.toBe(child);
        setHttpRoute(req, '/users/:id');
        child.end();
      });
      res.end();
    });
    await request({ host: '127.0.0.1', port, path: '/users/7', method: 'DELETE' });
    const [span] = await waitForSpans(otel.exporter, 1, serverSpans);
    expect(span!.name).toBe('DELETE /users/:id');
    expect(span!.attributes['http.route']).toBe('/users/:id');
  });

  test('traceHandler on top of global instrumentation makes one span, not two', async () => {
    const port = await serve(traceHandler((_req, res) => res.end(trace.getActiveSpan()?.spanContext().spanId)));
    const r = await request({ host: '127.0.0.1', port, path: '/once' });
    const spans = await waitForSpans(otel.exporter, 1, serverSpans);
    // The client has the whole response, so the server's 'finish' (where SERVER spans end) is past:
    // a second span would be there already.
    expect(otel.exporter.getFinishedSpans().filter(serverSpans)).toHaveLength(1);
    expect(r.body).toBe(spans[0]!.spanContext().spanId);
  });
});

describe('traceHandler alone (no global instrumentation)', () => {
  test('traces only the wrapped server, keeps this, arguments and the return value', async () => {
    let seenThis: unknown;
    const wrapped = traceHandler(function (this: unknown, req, res) {
      seenThis = this;
      res.end(trace.getActiveSpan()?.spanContext().traceId ?? 'none');
      return 'returned';
    });
    const server = http.createServer(wrapped);
    servers.push(server);
    const port = await listen(server);
    const plainPort = await serve((_req, res) => res.end(trace.getActiveSpan()?.spanContext().traceId ?? 'none'));
    const traced = await request({ host: '127.0.0.1', port, path: '/w', headers: { traceparent: TRACEPARENT } });
    const plain = await request({ host: '127.0.0.1', port: plainPort, path: '/plain', headers: { traceparent: TRACEPARENT } });
    expect(traced.body).toBe(TRACE_ID);
    expect(plain.body).toBe('none');
    expect(seenThis).toBe(server);
    const fake = { headers: {}, url: '/', method: 'GET', socket: {}, on() {} } as unknown as http.IncomingMessage;
    expect(
      traceHandler(() => 42, { ignoreIncoming: ['/'] })(fake, { on() {} } as unknown as http.ServerResponse),
    ).toBe(42);
  });

  test('a throwing hook is reported once through diag and never reaches the request', async () => {
    forgetReported();
    const messages = captureDiag();
    const port = await serve(
      traceHandler((_req, res) => res.end('fine'), {
        serverRequestHook: () => {
          throw new Error('hook bug');
        },
        serverResponseHook: (span) => {
          span.setAttribute('after', true);
          throw new Error('hook bug 2');
        },
        ignoreIncoming: () => {
          throw new Error('predicate bug');
        },
      }),
    );
    for (let i = 0; i < 3; i++) expect((await request({ host: '127.0.0.1', port, path: '/h' })).body).toBe('fine');
    const spans = await waitForSpans(otel.exporter, 3, serverSpans);
    expect(spans[0]!.attributes.after).toBe(true);
    const hookMessages = messages.filter((m) => m.includes('serverRequestHook'));
    expect(hookMessages).toHaveLength(1);
    expect(hookMessages[0]).toMatch(/^tracelight: .*hook bug/);
    expect(messages.filter((m) => m.includes('serverResponseHook'))).toHaveLength(1);
    expect(messages.filter((m) => m.includes('ignoreIncoming'))).toHaveLength(1);
  });

  test('baggage from the caller is in the handler context', async () => {
    const port = await serve(
      traceHandler((_req, res) => res.end(propagation.getBaggage(context.active())?.getEntry('tenant')?.value ?? 'none')),
    );
    const r = await request({ host: '127.0.0.1', port, path: '/b', headers: { traceparent: TRACEPARENT, baggage: 'tenant=acme' } });
    expect(r.body).toBe('acme');
  });
});

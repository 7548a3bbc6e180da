/**
 * Secrets in URLs and URL-valued headers, through `enableHttpInstrumentation` (tracelight/http)
 * and a real server and client on 127.0.0.1. The official SDK records the spans, so what is
 * checked is what the instrumentation itself writes, before any span redaction.
 */
import http from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { enableHttpInstrumentation } from '../../src/instrumentations/http/index.js';
import { close, listen, request, setupOtel, waitForSpans } from './helpers.js';

const otel = setupOtel();
let disable: () => void;
let server: http.Server;
let port: number;

beforeAll(async () => {
  disable = enableHttpInstrumentation({ requestHeaders: ['referer'], responseHeaders: ['location', 'content-location'] });
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/redirect')) {
      res.setHeader('location', 'https://app.example/cb?code=abc123&state=s1&page=2#access_token=tok');
      res.setHeader('content-location', '/r?session_id=9&x=1');
    }
    res.end('ok');
  });
  port = await listen(server);
});
afterEach(() => otel.exporter.reset());
afterAll(async () => {
  disable();
  await close(server);
  await otel.teardown();
});

const SECRET_NAMES = [
  'auth_token', 'accessToken', 'api-key', 'jwt', 'private_token', 'session_id', 'secret_key', 'pass', 'user[password]',
  'token[]', '+token', 'token%20', 'TOKEN', 'Access.Token', '%74oken', 'X-Amz-Signature', 'code', 'sig',
];

describe('query redaction by normalised name and word parts', () => {
  test('server: url.query', async () => {
    const query = SECRET_NAMES.map((n, i) => `${n}=v${i}`).join('&') + '&page=2&token_type=bearer';
    await request({ host: '127.0.0.1', port, path: `/q?${query}` });
    const [span] = await waitForSpans(otel.exporter, 1, (s) => s.kind === SpanKind.SERVER);
    const expected = SECRET_NAMES.map((n) => `${n}=REDACTED`).join('&') + '&page=2&token_type=bearer';
    expect(span!.attributes['url.query']).toBe(expected);
  });

  test('client: url.full, without the fragment of an http.request path', async () => {
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/cb?accessToken=abc&page=2#access_token=frag-secret' }, (res) => res.resume().on('end', resolve))
        .on('error', reject);
    });
    const [span] = await waitForSpans(otel.exporter, 1, (s) => s.kind === SpanKind.CLIENT);
    expect(span!.attributes['url.full']).toBe(`http://127.0.0.1:${port}/cb?accessToken=REDACTED&page=2`);
  });

  test('client: fetch url.full', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/f?api-key=k1&q=x#jwt=abc`);
    await res.text();
    const [span] = await waitForSpans(otel.exporter, 1, (s) => s.kind === SpanKind.CLIENT);
    expect(span!.attributes['url.full']).toBe(`http://127.0.0.1:${port}/f?api-key=REDACTED&q=x`);
  });
});

describe('URL-valued headers get the URL rules', () => {
  test('referer on the server span; location and content-location on the client span', async () => {
    await new Promise<void>((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port, path: '/redirect', headers: { referer: 'https://shop.example/checkout?token=t1&step=2#pw=x' } },
          (res) => res.resume().on('end', resolve),
        )
        .on('error', reject);
    });
    const [server, client] = await Promise.all([
      waitForSpans(otel.exporter, 1, (s) => s.kind === SpanKind.SERVER),
      waitForSpans(otel.exporter, 1, (s) => s.kind === SpanKind.CLIENT),
    ]);
    expect(server[0]!.attributes['http.request.header.referer']).toEqual(['https://shop.example/checkout?token=REDACTED&step=2']);
    expect(server[0]!.attributes['http.response.header.location']).toEqual(['https://app.example/cb?code=REDACTED&state=s1&page=2']);
    expect(client[0]!.attributes['http.response.header.location']).toEqual(['https://app.example/cb?code=REDACTED&state=s1&page=2']);
    expect(client[0]!.attributes['http.response.header.content-location']).toEqual(['/r?session_id=REDACTED&x=1']);
  });
});

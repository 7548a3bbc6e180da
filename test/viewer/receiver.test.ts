// `tracelight view` as a process: OTLP/HTTP in (protobuf and JSON from the official exporters,
// gzip), bad and huge bodies, GET and DELETE /v1/traces, a second viewer, `tracelight doctor`.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
// @opentelemetry/sdk-trace (not -base): the package both OpenTelemetry generations' test installs have.
import { TracerProvider as BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanStatusCode } from '@opentelemetry/api';
import { runNode } from '../helpers/child.js';
import { closedPort } from '../exporters/otlp-receiver.js';
import { officialEncode } from './official-schema.js';
import { CLI, startViewer } from './viewer-process.js';
import type { RunningViewer } from './viewer-process.js';
import type { TracesRequest } from '../../src/viewer/otlp-model.js';

const viewers: RunningViewer[] = [];
afterAll(async () => {
  await Promise.all(viewers.map((v) => v.stop()));
});
async function viewer(args: string[] = []): Promise<RunningViewer> {
  const v = await startViewer(args);
  viewers.push(v);
  return v;
}

async function held(v: RunningViewer): Promise<TracesRequest> {
  return (await (await fetch(v.url + 'v1/traces')).json()) as TracesRequest;
}
function spanNames(r: TracesRequest): string[] {
  return r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))).sort();
}

async function sendWith(exporter: SpanExporter, names: string[]): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'receiver-test' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })],
  });
  const tracer = provider.getTracer('t');
  for (const name of names) {
    const span = tracer.startSpan(name, { attributes: { 'db.query.text': 'SELECT 1', n: 7 } });
    span.addEvent('e', { k: 'v' });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'bad' });
    span.end();
  }
  await provider.forceFlush();
  await provider.shutdown();
}

describe('the OTLP/HTTP receiver', () => {
  it('takes protobuf from the official proto exporter, plain and gzip, and JSON from the official JSON exporter', async () => {
    const v = await viewer();
    await sendWith(new ProtoExporter({ url: v.url + 'v1/traces' }), ['proto-a', 'proto-b']);
    await sendWith(new ProtoExporter({ url: v.url + 'v1/traces', compression: 'gzip' as never }), ['proto-gzip']);
    await sendWith(new JsonExporter({ url: v.url + 'v1/traces' }), ['json-a']);
    await sendWith(new JsonExporter({ url: v.url + 'v1/traces', compression: 'gzip' as never }), ['json-gzip']);
    const all = await held(v);
    expect(spanNames(all)).toEqual(['json-a', 'json-gzip', 'proto-a', 'proto-b', 'proto-gzip']);
    const span = all.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span.attributes).toContainEqual({ key: 'db.query.text', value: { stringValue: 'SELECT 1' } });
    expect(span.attributes).toContainEqual({ key: 'n', value: { intValue: '7' } });
    expect(span.events[0]!.name).toBe('e');
    expect(span.status).toEqual({ code: 2, message: 'bad' });
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(all.resourceSpans[0]!.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'receiver-test' } });
  });

  it('answers 400 to bodies that are not OTLP, 415 to other media types, and keeps nothing of them', async () => {
    const v = await viewer();
    const post = (body: string | Uint8Array, type: string, encoding?: string) =>
      fetch(v.url + 'v1/traces', { method: 'POST', headers: { 'Content-Type': type, ...(encoding ? { 'Content-Encoding': encoding } : {}) }, body });
    expect((await post('{not json', 'application/json')).status).toBe(400);
    expect((await post('[1,2]', 'application/json')).status).toBe(400);
    expect((await post(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '0102030405060708' }] }] }] }), 'application/json')).status).toBe(400);
    expect((await post(new Uint8Array([0x0a, 0xff, 0xff, 0x01]), 'application/x-protobuf')).status).toBe(400);
    expect((await post(new Uint8Array([1, 2, 3]), 'application/x-protobuf', 'gzip')).status).toBe(400);
    expect((await post('{}', 'text/plain')).status).toBe(415);
    expect((await post('{}', 'application/json', 'br')).status).toBe(415);
    expect(spanNames(await held(v))).toEqual([]);
    // Still serving after all that.
    const ok = await post(JSON.stringify({ resourceSpans: [] }), 'application/json');
    expect(ok.status).toBe(200);
  });

  it('bounds bodies: 413 past 32 MB, and for a gzip body that inflates past 128 MB', async () => {
    const v = await viewer();
    const big = Buffer.alloc(33 * 1024 * 1024, 0x20);
    // The viewer answers before the body is in and closes: read the answer, ignore the broken pipe.
    const { request } = await import('node:http');
    for (const chunked of [false, true]) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(v.url + 'v1/traces', { method: 'POST', headers: { 'Content-Type': 'application/json', ...(chunked ? {} : { 'Content-Length': String(big.length) }) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', (err) => setTimeout(() => reject(err), 1000));
        req.end(big);
      });
      expect(status).toBe(413);
    }
    const bomb = gzipSync(Buffer.alloc(130 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const r2 = await fetch(v.url + 'v1/traces', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: bomb });
    expect(r2.status).toBe(413);
    expect((await fetch(v.url + 'api/stats')).status).toBe(200);
  });

  it('GET /v1/traces?traceId= returns that trace; DELETE /v1/traces forgets everything', async () => {
    const v = await viewer();
    const id = (n: number) => n.toString(16).padStart(32, '0');
    const body = {
      resourceSpans: [{ scopeSpans: [{ spans: [1, 2].map((n) => ({ traceId: id(n), spanId: n.toString(16).padStart(16, '0'), name: `t${n}`, startTimeUnixNano: '1', endTimeUnixNano: '2' })) }] }],
    };
    // Protobuf this time, encoded by the official schema.
    const b64 = JSON.parse(JSON.stringify(body), (k, val: unknown) => (k === 'traceId' || k === 'spanId' ? Buffer.from(val as string, 'hex').toString('base64') : val));
    const res = await fetch(v.url + 'v1/traces', { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: officialEncode(b64) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const one = (await (await fetch(`${v.url}v1/traces?traceId=${id(2)}`)).json()) as TracesRequest;
    expect(spanNames(one)).toEqual(['t2']);
    expect(spanNames(await held(v))).toEqual(['t1', 't2']);
    expect((await fetch(v.url + 'v1/traces', { method: 'DELETE' })).status).toBe(204);
    expect(spanNames(await held(v))).toEqual([]);
  });

  it('refuses requests whose Host is not loopback (DNS rebinding)', async () => {
    const v = await viewer();
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: v.port, path: '/v1/traces', headers: { Host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe('a second viewer', () => {
  it('on a port where a viewer runs says so, names its URL, and exits 0', async () => {
    const v = await viewer();
    const r = await runNode(CLI, ['view', '--port', String(v.port)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`a viewer already runs at http://127.0.0.1:${v.port}/`);
  });

  it('on a port another program holds says so and exits 1', async () => {
    const other = createServer((_req, res) => res.end('not a viewer'));
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    const port = (other.address() as AddressInfo).port;
    try {
      const r = await runNode(CLI, ['view', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${port} is taken by another program`);
    } finally {
      other.close();
    }
  });

  it('bad arguments exit 2 with the usage', async () => {
    const r = await runNode(CLI, ['view', '--port', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port must be a port number');
    const help = await runNode(CLI, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tracelight view');
    expect(help.stdout).toContain('Node 22.13+');
  });
});

describe('tracelight doctor', () => {
  it('prints the report and exits 0 when the endpoint (a viewer) answers', async () => {
    const v = await viewer();
    const r = await runNode(CLI, ['doctor'], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: v.url.slice(0, -1), OTEL_SERVICE_NAME: 'doctor-test' } });
    expect(r.stdout).toContain('doctor-test');
    expect(r.code).toBe(0);
  });

  it('exits 1 and says what is wrong when nothing answers', async () => {
    const port = await closedPort();
    const r = await runNode(CLI, ['doctor'], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/spans cannot be exported/);
  });
});

describe('the page', () => {
  it('is served from the package (no CDN, nothing fetched elsewhere), under 200 KB gzipped', async () => {
    const v = await viewer();
    const html = await (await fetch(v.url)).text();
    const assets = ['', ...[...html.matchAll(/(?:src|href)="([a-z0-9-]+\.(?:js|css))"/g)].map((m) => m[1]!)];
    expect(assets).toEqual(expect.arrayContaining(['app.js', 'style.css']));
    const { gzipSync: gz } = await import('node:zlib');
    let total = 0;
    const seen = new Set<string>();
    const queue = [...assets];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const res = await fetch(v.url + name);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
      total += gz(text).length;
      for (const m of text.matchAll(/from '\.\/([a-z0-9-]+\.js)'/g)) queue.push(m[1]!);
    }
    expect(seen.size).toBeGreaterThanOrEqual(5);
    expect(total).toBeLessThan(200 * 1024);
  });

  it('counts the traces evicted to stay within --max-mb', async () => {
    const v = await viewer(['--max-mb', '0.05']);
    for (let t = 1; t <= 60; t++) {
      const body = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: t.toString(16).padStart(32, '0'), spanId: '1'.padStart(16, '0'), name: 'x'.repeat(200), startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }] };
      expect((await fetch(v.url + 'v1/traces', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).status).toBe(200);
    }
    const stats = (await (await fetch(v.url + 'api/stats')).json()) as { traces: number; evictedTraces: number; bytes: number; maxBytes: number };
    expect(stats.evictedTraces).toBeGreaterThan(0);
    expect(stats.traces + stats.evictedTraces).toBe(60);
    expect(stats.bytes).toBeLessThanOrEqual(stats.maxBytes);
  });
});

describe('init() users pay nothing for the viewer', () => {
  it('no file of the library build holds viewer code; only dist/viewer/cli.js does', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dist = new URL('../../dist/', import.meta.url);
    const library = readdirSync(dist).filter((f) => /\.(c?js)$/.test(f));
    expect(library.length).toBeGreaterThan(5);
    for (const f of library) {
      const code = readFileSync(new URL(f, dist), 'utf8');
      expect(code, f).not.toContain('createViewerHandler');
      expect(code, f).not.toContain('decodeTracesProto');
    }
    expect(readFileSync(new URL('viewer/cli.js', dist), 'utf8')).toContain('createViewerHandler');
  });
});

describe('export and import of a trace as OTLP/JSON', () => {
  it('what one viewer exports (GET /v1/traces?traceId=), another imports (POST) to the same OTLP', async () => {
    const a = await viewer();
    const b = await viewer();
    await sendWith(new ProtoExporter({ url: a.url + 'v1/traces' }), ['exported']);
    const id = (await held(a)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId;
    const exported = await (await fetch(`${a.url}v1/traces?traceId=${id}`)).text();
    const res = await fetch(b.url + 'v1/traces', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: exported });
    expect(res.status).toBe(200);
    expect(await held(b)).toEqual(JSON.parse(exported));
  });
});

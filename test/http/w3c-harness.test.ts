// Drives examples/w3c-test-service/server.mjs (tracelight's init() + http instrumentation, in a
// child process) the way the W3C Trace Context test harness does: POST /test with a JSON array
// of callbacks; the service must call each back, continuing (or restarting) the trace. Our
// harness server on loopback receives the callbacks and checks their headers. The cases are the
// suite's cases about the service's behaviour (w3c/trace-context test/test.py).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const SERVICE = fileURLToPath(new URL('../../examples/w3c-test-service/server.mjs', import.meta.url));
const TRACE = '12345678901234567890123456789012';
const PARENT = '1234567890123456';
const TP = (flags = '01', version = '00') => `${version}-${TRACE}-${PARENT}-${flags}`;

interface Callback {
  /** Raw header pairs, in order, as received. */
  headers: Array<[string, string]>;
}

const callbacks = new Map<string, Callback>();
let harness: http.Server;
let harnessUrl: string;
let service: ChildProcess;
let serviceUrl: string;

beforeAll(async () => {
  harness = http.createServer((req, res) => {
    const headers: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    callbacks.set(req.url!.slice(1), { headers });
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('null'));
  });
  await new Promise<void>((r) => harness.listen(0, '127.0.0.1', r));
  harnessUrl = `http://127.0.0.1:${(harness.address() as AddressInfo).port}`;

  service = spawn(process.execPath, [SERVICE], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  service.stderr!.on('data', (c) => (stderr += c));
  serviceUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`service did not start: ${out} ${stderr}`)), 15_000);
    service.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    service.on('exit', (code) => reject(new Error(`service exited (${code}): ${out} ${stderr}`)));
  });
});

afterAll(async () => {
  service?.kill('SIGTERM');
  await new Promise<void>((r) => harness.close(() => r()));
});

/** Sends headers (repeats allowed) to the service, asking for `count` callbacks; returns their headers. */
async function callService(headers: Array<[string, string]>, count = 1): Promise<Array<Array<[string, string]>>> {
  const scope = randomUUID();
  const body = JSON.stringify(Array.from({ length: count }, (_, i) => ({ url: `${harnessUrl}/${scope}.${i}`, arguments: [] })));
  const status = await new Promise<number>((resolve, reject) => {
    const host = new URL(serviceUrl).host;
    const flat = [['host', host], ['content-type', 'application/json'], ...headers].flat();
    const req = http.request(serviceUrl, { method: 'POST', headers: flat as unknown as http.OutgoingHttpHeaders }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
  expect(status).toBe(200);
  return Array.from({ length: count }, (_, i) => {
    const cb = callbacks.get(`${scope}.${i}`);
    expect(cb, `callback ${i} was not made`).toBeDefined();
    return cb!.headers;
  });
}

interface TraceParent {
  version: string;
  traceId: string;
  parentId: string;
  flags: number;
}

function traceparentOf(headers: Array<[string, string]>): TraceParent {
  const values = headers.filter(([k]) => k.toLowerCase() === 'traceparent').map(([, v]) => v);
  expect(values, 'exactly one traceparent').toHaveLength(1);
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(values[0]!);
  expect(m, `well-formed traceparent: ${values[0]}`).not.toBeNull();
  expect(m![2]).not.toBe('0'.repeat(32));
  expect(m![3]).not.toBe('0'.repeat(16));
  return { version: m![1]!, traceId: m![2]!, parentId: m![3]!, flags: parseInt(m![4]!, 16) };
}

function tracestateOf(headers: Array<[string, string]>): string {
  return headers
    .filter(([k]) => k.toLowerCase() === 'tracestate')
    .map(([, v]) => v)
    .join(',');
}

async function single(headers: Array<[string, string]>): Promise<{ tp: TraceParent; ts: string }> {
  const [cb] = await callService(headers);
  return { tp: traceparentOf(cb!), ts: tracestateOf(cb!) };
}

describe('W3C trace-context harness cases against examples/w3c-test-service', () => {
  test('no traceparent: a new, valid trace', async () => {
    const { tp } = await single([]);
    expect(tp.version).toBe('00');
    expect(tp.traceId).not.toBe(TRACE);
  });

  test('a valid traceparent is continued with a new parent id; header names are case-insensitive', async () => {
    for (const name of ['traceparent', 'TraceParent', 'TRACEPARENT']) {
      const { tp } = await single([[name, TP()]]);
      expect(tp.traceId).toBe(TRACE);
      expect(tp.parentId).not.toBe(PARENT);
      expect(tp.flags & 1).toBe(1);
    }
  });

  test('the sampled flag is propagated as received (00 stays 00)', async () => {
    const { tp } = await single([['traceparent', TP('00')]]);
    expect(tp.traceId).toBe(TRACE);
    expect(tp.flags & 1).toBe(0);
  });

  test('Level 2: the random flag is propagated', async () => {
    const { tp } = await single([['traceparent', TP('02')]]);
    expect(tp.traceId).toBe(TRACE);
    expect(tp.flags & 2).toBe(2);
  });

  test('two traceparent headers: a new trace, neither of them', async () => {
    const { tp } = await single([
      ['traceparent', `00-${TRACE.slice(0, -1)}1-${PARENT}-01`],
      ['traceparent', TP()],
    ]);
    expect(tp.traceId).not.toBe(TRACE);
    expect(tp.traceId).not.toBe(`${TRACE.slice(0, -1)}1`);
  });

  test.each([
    ['wrong header name', 'trace-parent', TP()],
    ['version ff', 'traceparent', TP('01', 'ff')],
    ['trailing characters on version 00', 'traceparent', `${TP()}.`],
    ['all-zero trace id', 'traceparent', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['all-zero parent id', 'traceparent', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['trace id too short', 'traceparent', `00-${TRACE.slice(1)}-${PARENT}-01`],
    ['illegal character in parent id', 'traceparent', `00-${TRACE}-.${PARENT.slice(1)}-01`],
    ['flags too long', 'traceparent', `00-${TRACE}-${PARENT}-001`],
  ])('invalid traceparent (%s): a new trace', async (_, name, value) => {
    const { tp } = await single([[name, value]]);
    expect(tp.traceId).not.toBe(TRACE);
  });

  test('a future version is continued when its prefix is valid', async () => {
    expect((await single([['traceparent', TP('01', 'cc')]])).tp.traceId).toBe(TRACE);
    expect((await single([['traceparent', `${TP('01', 'cc')}-what-the-future-will-be-like`]])).tp.traceId).toBe(TRACE);
    expect((await single([['traceparent', `${TP('01', 'cc')}.what-the-future-will-be-like`]])).tp.traceId).not.toBe(TRACE);
  });

  test('tracestate is inherited with traceparent, and combined in order from several headers', async () => {
    expect((await single([['traceparent', TP('00')], ['tracestate', 'foo=1,bar=2']])).ts).toBe('foo=1,bar=2');
    const { ts } = await single([
      ['traceparent', TP('00')],
      ['tracestate', 'foo=1,bar=2'],
      ['tracestate', 'rojo=1,congo=2'],
      ['tracestate', 'baz=3'],
    ]);
    expect(ts.replace(/\s/g, '')).toBe('foo=1,bar=2,rojo=1,congo=2,baz=3');
  });

  test('tracestate without traceparent is discarded', async () => {
    const { tp, ts } = await single([['tracestate', 'foo=1,bar=2']]);
    expect(tp.traceId).not.toBe(TRACE);
    expect(ts).not.toContain('foo=1');
  });

  test('several callbacks in one request: one trace, a distinct parent id for each', async () => {
    const cbs = await callService([['traceparent', TP()]], 3);
    const tps = cbs.map(traceparentOf);
    expect(new Set(tps.map((t) => t.traceId))).toEqual(new Set([TRACE]));
    expect(new Set(tps.map((t) => t.parentId)).size).toBe(3);
  });

  test('several callbacks without traceparent: one new trace, distinct parent ids', async () => {
    const tps = (await callService([], 3)).map(traceparentOf);
    expect(new Set(tps.map((t) => t.traceId)).size).toBe(1);
    expect(new Set(tps.map((t) => t.parentId)).size).toBe(3);
  });
});

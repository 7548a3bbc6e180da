/**
 * Tail sampling end to end: a real HTTP server on loopback traced by tracelight/http, requests
 * that succeed fast, fail, or are slow; only the failing and the slow traces reach a real OTLP
 * receiver, decoded with the official schema, with the reason and adjusted count on a local root.
 */
import { context } from '@opentelemetry/api';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../exporters/otlp-receiver.js';
import type { ReceivedSpan } from '../exporters/otlp-receiver.js';
import { freshTracelight } from '../helpers/fresh-tracelight.js';
import type { TracelightHandle } from '../../src/index.js';

const REASON = 'tracelight.sampling.reason';
const COUNT = 'tracelight.sampling.adjusted_count';

let receiver: OtlpReceiver | undefined;
let handle: TracelightHandle | undefined;
let server: http.Server | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  }
  await receiver?.close();
  receiver = undefined;
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

function byTrace(spans: ReceivedSpan[]): Map<string, ReceivedSpan[]> {
  const out = new Map<string, ReceivedSpan[]>();
  for (const s of spans) out.set(s.traceId, [...(out.get(s.traceId) ?? []), s]);
  return out;
}

describe('tail sampling with tracelight/http and a real OTLP receiver', () => {
  it('of concurrent requests, only the failing and the slow traces are exported, whole, each with its reason', async () => {
    receiver = await OtlpReceiver.start();
    const tl = await freshTracelight();
    handle = tl.init({
      serviceName: 'tail-http',
      exporter: 'otlp',
      otlp: { endpoint: receiver.tracesUrl },
      instrumentations: { http: true },
      // Far apart: the CLIENT span of a first request on a busy machine can take 200 ms.
      sampler: { tail: { slowerThanMs: 1000, baseline: 0 } },
      flushOnExit: false,
      logLevel: 'none',
    });
    server = http.createServer((req, res) => {
      void tl.withSpan(`handle ${req.url}`, async () => {
        if (req.url === '/slow') await new Promise((resolve) => setTimeout(resolve, 1300));
        res.statusCode = req.url === '/fail' ? 500 : 200;
        res.end(req.url);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;

    const paths = ['/ok', '/fail', '/ok', '/slow', '/ok', '/ok'];
    const answers = await Promise.all(paths.map((p) => get(port, p)));
    // Every request answered as the handler said (tracing changed nothing).
    expect(answers).toEqual(paths.map((p) => ({ status: p === '/fail' ? 500 : 200, body: p })));

    // Each trace here has two local roots: the CLIENT span (no parent) and the SERVER span (remote parent).
    const s = handle.stats();
    expect(s.sampling).toMatchObject({ tailSpansHeld: 0, tailEvicted: 0, tailTimedOut: 0 });
    expect(s.sampling.tailKept + s.sampling.tailDropped).toBe(6);
    await handle.forceFlush();
    const kept = s.sampling.tailKept;
    const spans = await receiver.waitForSpans(3 * kept);
    for (const r of receiver.requests) expect(r.schemaError).toBeNull();
    expect(spans).toHaveLength(3 * kept); // client, server, handler span of each kept trace
    expect(s.sampling.tailSpansDropped).toBe(3 * (6 - kept));
    expect(handle.stats().exported).toBe(3 * kept);
    // Every span ended is accounted for: exported, dropped by tail sampling, held, queued or lost.
    const after = handle.stats();
    const lost = after.dropped.queueFull + after.dropped.exportFailed + after.dropped.shutdown + after.dropped.waterfallOverflow;
    // 18, and the SERVER span of each export request reaching the receiver, which listens in
    // this instrumented process (no trace context: its own fragments, dropped at baseline 0).
    expect(after.spansEnded).toBeGreaterThanOrEqual(18);
    expect(after.exported + after.sampling.tailSpansDropped + after.sampling.tailSpansHeld + after.queueDepth + lost).toBe(after.spansEnded);

    const traces = [...byTrace(spans).values()];
    expect(traces).toHaveLength(kept);
    const handled = new Set<string>();
    for (const t of traces) {
      expect(t.map((x) => x.kind).sort()).toEqual([1, 2, 3]);
      const marked = t.filter((x) => x.attributes[REASON] !== undefined);
      expect(marked).toHaveLength(1);
      // On a local root: the client span (no parent) or the server span (remote parent).
      expect([2, 3]).toContain(marked[0]!.kind);
      expect(marked[0]!.attributes[COUNT]).toBe(1);
      const handler = t.find((x) => x.kind === 1)!;
      handled.add(handler.name);
      if (handler.name === 'handle /fail') {
        expect(marked[0]!.attributes[REASON]).toBe('error');
        expect(t.find((x) => x.kind === 2)!.status.code).toBe(2);
      } else {
        // The slow request, or (on a machine so busy that a plain request took over a second)
        // an ok one that really was slow: never an ok trace with a fast root.
        expect(marked[0]!.attributes[REASON]).toBe('slow');
        const longest = Math.max(...t.filter((x) => x.kind !== 1).map((x) => Number(BigInt(x.endTimeUnixNano) - BigInt(x.startTimeUnixNano)) / 1e6));
        expect(longest).toBeGreaterThan(1000);
      }
    }
    // The failing and the slow request are always among them.
    expect(handled.has('handle /fail') && handled.has('handle /slow')).toBe(true);
  });

  it('the adjusted count of a baseline keep arrives as 1 / baseline, on the root, through OTLP/protobuf', async () => {
    receiver = await OtlpReceiver.start();
    const tl = await freshTracelight();
    handle = tl.init({
      serviceName: 'tail-otlp',
      exporter: 'otlp',
      otlp: { endpoint: receiver.tracesUrl },
      sampler: { tail: 'keep-errors-and-slow' },
      flushOnExit: false,
      logLevel: 'none',
    });
    const parent = tl.extractContext({ traceparent: '00-4bf92f3577b34da6a3ffffffffffffff-00f067aa0ba902b7-01' });
    await context.with(parent, () =>
      tl.withSpan('root', async () => {
        await tl.withSpan('child', async () => undefined);
      }),
    );
    await handle.forceFlush();
    const spans = await receiver.waitForSpans(2);
    expect(receiver.requests.every((r) => r.schemaError === null && r.encoding === 'protobuf')).toBe(true);
    const root = spans.find((x) => x.name === 'root')!;
    expect(root.parentSpanId).toBe('00f067aa0ba902b7');
    expect(root.attributes).toMatchObject({ [REASON]: 'baseline', [COUNT]: 10 });
    expect(spans.find((x) => x.name === 'child')!.attributes[REASON]).toBeUndefined();
  });
});

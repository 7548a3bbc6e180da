/**
 * tracelight's http instrumentation beside OpenTelemetry's official instrumentation-http and
 * instrumentation-undici (what auto-instrumentations-node registers for HTTP), each registered
 * before or after init(), in a child process with real servers: every request has exactly one
 * SERVER span, every outgoing call one CLIENT span and one traceparent, and the trace is whole.
 */
import { describe, expect, it } from 'vitest';
import { jsonLines, runNode } from '../helpers/child.js';
import { OtlpReceiver } from '../exporters/otlp-receiver.js';

interface SpanLine {
  span: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

const SERVER = 1;
const CLIENT = 2;

const cases = ['official-first', 'tracelight-first'].flatMap((order) =>
  ['http', 'undici', 'http,undici', 'auto'].map((which) => ({ order, which })),
);

describe.each(cases)('official $which registered $order', ({ order, which }) => {
  it('one SERVER span per request, one CLIENT span and one traceparent per call, one trace', async () => {
    const r = await runNode('coexist-app.cjs', [order, which], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines<SpanLine & { traceparents?: number[]; kind?: number }>(r.stdout);
    const report = lines.find((l) => l.traceparents !== undefined)!;
    const spans = lines.filter((l) => l.span !== undefined) as SpanLine[];
    // Requests: front ×2 (from fetch, from http.get), back ×4 (each front request calls twice).
    expect(report.traceparents).toEqual([1, 1, 1, 1, 1, 1]);
    const kinds = spans.map((s) => kindOf(s));
    expect(kinds.filter((k) => k === SERVER)).toHaveLength(6);
    expect(kinds.filter((k) => k === CLIENT)).toHaveLength(6);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const s of spans) {
      if (s.span === 'root') continue;
      const parent = byId.get(s.parentSpanId ?? '');
      expect(parent, `parent of ${s.span} is in the trace`).toBeDefined();
      // A server span's parent is the CLIENT span of the call that reached it.
      if (kindOf(s) === SERVER) expect(kindOf(parent!)).toBe(CLIENT);
    }
  });
});

/** SERVER or CLIENT from the attributes both instrumentations record by the HTTP conventions. */
function kindOf(s: SpanLine): number | undefined {
  if (s.attributes['url.full'] !== undefined) return CLIENT;
  if (s.attributes['url.path'] !== undefined && s.attributes['http.request.method'] !== undefined) return SERVER;
  return undefined;
}

it('getNodeAutoInstrumentations() with tracelight/register (http on): one SERVER span per request, one trace, over OTLP', async () => {
  const receiver = await OtlpReceiver.start();
  try {
    const r = await runNode('coexist-app.cjs', ['preload', 'auto'], {
      nodeArgs: ['--require', 'tracelight/register'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'coexist-auto' },
      timeoutMs: 20_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const report = jsonLines<{ traceparents?: number[] }>(r.stdout).find((l) => l.traceparents !== undefined)!;
    expect(report.traceparents).toEqual([1, 1, 1, 1, 1, 1]);
    const spans = receiver.acceptedSpans().filter((s) => s.kind === 2 || s.kind === 3);
    expect(spans.filter((s) => s.kind === 2)).toHaveLength(6); // SERVER
    expect(spans.filter((s) => s.kind === 3)).toHaveLength(6); // CLIENT
    const all = receiver.acceptedSpans();
    expect(new Set(all.map((s) => s.traceId)).size).toBe(1);
    const ids = new Set(all.map((s) => s.spanId));
    expect(all.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId))).toEqual([]);
  } finally {
    await receiver.close();
  }
});

// The hand-written OTLP/protobuf decoder against the official schema: random requests encoded by
// the official schema, real payloads of the official proto exporter, and malformed bytes.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
// @opentelemetry/sdk-trace (not -base): the package both OpenTelemetry generations' test installs have.
import { TracerProvider as BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { decodeTracesProto } from '../../src/viewer/otlp-proto.js';
import { BadOtlp } from '../../src/viewer/otlp-model.js';
import { OtlpReceiver } from '../exporters/otlp-receiver.js';
import { officialDecode, officialEncode, officialFromViewer } from './official-schema.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64'));
// Up to 2^63 - 1: the schema's fromObject (used to compare) reads larger fixed64 strings as signed.
const u64 = fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }).map(String);
const { anyValue } = fc.letrec<{ anyValue: unknown; kv: unknown }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: fc.string({ unit: 'grapheme' }) }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(String) }),
    fc.record({ doubleValue: fc.double({ noNaN: true }) }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('base64')) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('anyValue'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(tie('kv'), { maxLength: 3 }) }) }),
  ),
  kv: fc.record({ key: fc.string(), value: tie('anyValue') }),
}));
const attributes = fc.array(fc.record({ key: fc.string(), value: anyValue }), { maxLength: 4 });
const span = fc.record({
  traceId: bytes(16),
  spanId: bytes(8),
  parentSpanId: fc.oneof(bytes(8), fc.constant('')),
  traceState: fc.string(),
  name: fc.string({ unit: 'grapheme' }),
  kind: fc.integer({ min: 0, max: 5 }),
  startTimeUnixNano: u64,
  endTimeUnixNano: u64,
  attributes,
  droppedAttributesCount: fc.nat(),
  droppedEventsCount: fc.nat(),
  droppedLinksCount: fc.nat(),
  events: fc.array(fc.record({ timeUnixNano: u64, name: fc.string(), attributes, droppedAttributesCount: fc.nat() }), { maxLength: 2 }),
  links: fc.array(fc.record({ traceId: bytes(16), spanId: bytes(8), traceState: fc.string(), attributes, droppedAttributesCount: fc.nat(), flags: fc.nat({ max: 0xffffffff }) }), { maxLength: 2 }),
  status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.string() }),
  flags: fc.nat({ max: 0xffffffff }),
});
const request = fc.record({
  resourceSpans: fc.array(
    fc.record({
      resource: fc.record({ attributes, droppedAttributesCount: fc.nat() }),
      schemaUrl: fc.string(),
      scopeSpans: fc.array(fc.record({ scope: fc.record({ name: fc.string(), version: fc.string(), attributes, droppedAttributesCount: fc.nat() }), spans: fc.array(span, { maxLength: 3 }), schemaUrl: fc.string() }), { maxLength: 2 }),
    }),
    { maxLength: 2 },
  ),
});

describe('decodeTracesProto', () => {
  it('decodes what the official schema encodes, field for field (property)', () => {
    fc.assert(
      fc.property(request, (object) => {
        const wire = officialEncode(object);
        expect(officialFromViewer(decodeTracesProto(wire))).toEqual(officialDecode(wire));
      }),
      { numRuns: 300 },
    );
  });

  it('throws BadOtlp, and nothing else, on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (raw) => {
        try {
          decodeTracesProto(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(BadOtlp);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses values nested deeper than its bound, without a stack overflow', () => {
    let value: unknown = { stringValue: 'x' };
    for (let i = 0; i < 200; i++) value = { arrayValue: { values: [value] } };
    const wire = officialEncode({ resourceSpans: [{ resource: { attributes: [{ key: 'deep', value }] } }] });
    expect(() => decodeTracesProto(wire)).toThrow(BadOtlp);
  });

  it('truncated bytes of a real request are refused', () => {
    const wire = officialEncode({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'a long enough span name', traceId: Buffer.alloc(16, 1).toString('base64'), spanId: Buffer.alloc(8, 2).toString('base64') }] }] }] });
    for (let cut = 1; cut < wire.length; cut++) expect(() => decodeTracesProto(wire.subarray(0, cut))).toThrow(BadOtlp);
  });
});

describe('payloads of the official OTLP proto exporter', () => {
  const receivers: OtlpReceiver[] = [];
  afterAll(async () => Promise.all(receivers.map((r) => r.close())));

  it('decode as the official schema decodes them', async () => {
    const receiver = await OtlpReceiver.start();
    receivers.push(receiver);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'proto-check', 'host.cores': 2 }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: receiver.tracesUrl }) })],
    });
    const tracer = provider.getTracer('viewer-test', '1.2.3');
    const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER, attributes: { s: 'text', i: 42, big: 2 ** 40, d: 1.5, b: true, list: ['a', 'b'] } });
    const child = tracer.startSpan('child', { kind: SpanKind.CLIENT, links: [{ context: parent.spanContext(), attributes: { why: 'follows' } }] }, (await import('@opentelemetry/api')).trace.setSpan((await import('@opentelemetry/api')).context.active(), parent));
    child.addEvent('retry', { attempt: 2 });
    child.recordException(new Error('boom'));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.end();
    parent.end();
    await provider.forceFlush();
    await receiver.waitForSpans(2);
    for (const r of receiver.requests) {
      expect(r.encoding).toBe('protobuf');
      expect(officialFromViewer(decodeTracesProto(r.body))).toEqual(officialDecode(r.body));
    }
    const names = receiver.requests.flatMap((r) => decodeTracesProto(r.body).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))));
    expect(names.sort()).toEqual(['child', 'parent']);
    await provider.shutdown();
  });
});

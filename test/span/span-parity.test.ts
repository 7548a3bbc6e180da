import { context, diag, DiagLogLevel, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  TracerProvider as BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanLimits,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetReported } from '../../src/internal/diag.js';
import { OTEL_GEN3 } from '../helpers/installed-version.js';
import { createRedactor } from '../../src/span/redact.js';
import { LightSpan } from '../../src/span/span.js';
import { LightTracerProvider } from '../../src/span/tracer-provider.js';

const resource = resourceFromAttributes({ 'service.name': 'parity' });

/**
 * The 3.x SDK (sdk-trace 3.1, with api 1.10) changed three things LightSpan keeps as 2.x does:
 * it keeps map and mixed-array attribute values on spans (OTEP 4485; LightSpan drops them, as
 * invalid, like 2.x), gives an event added without attributes `attributes` and
 * `droppedAttributesCount` undefined (LightSpan: `{}` and 0), and a link with attributes
 * `droppedAttributesCount` 0 (LightSpan: undefined). The scripted comparison below feeds such
 * values only on 2.x and evens out the two shapes on 3.x; "what differs on 3.x" asserts each.
 */
const GEN3 = OTEL_GEN3;
/** Attribute values valid on 3.x spans only (on 2.x: invalid for both, dropped). */
const anyValues = (): Record<string, never> => (GEN3 ? {} : ({ bad: { nested: true }, mixed: [1, 'a'] } as never));

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
  trace.disable();
});

interface Pair {
  ours: Tracer;
  official: Tracer;
  oursExporter: InMemorySpanExporter;
  officialExporter: InMemorySpanExporter;
  oursProvider: LightTracerProvider;
  officialProvider: BasicTracerProvider;
}

function pair(spanLimits: SpanLimits = {}, batch = false): Pair {
  const oursExporter = new InMemorySpanExporter();
  const officialExporter = new InMemorySpanExporter();
  const processor = (e: InMemorySpanExporter) =>
    batch ? new BatchSpanProcessor({ exporter: e, scheduledDelayMillis: 60_000 }) : new SimpleSpanProcessor({ exporter: e });
  const oursProvider = new LightTracerProvider({
    resource,
    spanLimits,
    spanProcessors: [processor(oursExporter)],
    redactor: createRedactor(false),
  });
  const officialProvider = new BasicTracerProvider({ resource, spanLimits, spanProcessors: [processor(officialExporter)] });
  return {
    ours: oursProvider.getTracer('scope', '1.2.3', { schemaUrl: 'https://example.com/schema' }),
    official: officialProvider.getTracer('scope', '1.2.3', { schemaUrl: 'https://example.com/schema' }),
    oursExporter,
    officialExporter,
    oursProvider,
    officialProvider,
  };
}

/** Everything observable about a finished span, except ids and times. */
function shape(span: ReadableSpan) {
  return {
    name: span.name,
    kind: span.kind,
    hasParent: span.parentSpanContext !== undefined,
    sampled: (span.spanContext().traceFlags & 1) === 1,
    status: span.status,
    attributes: span.attributes,
    links: span.links.map((l) => ({ attributes: l.attributes, droppedAttributesCount: GEN3 ? l.droppedAttributesCount || undefined : l.droppedAttributesCount })),
    events: span.events.map((e) => ({ name: e.name, attributes: GEN3 ? e.attributes ?? {} : e.attributes, dropped: GEN3 ? e.droppedAttributesCount ?? 0 : e.droppedAttributesCount })),
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
    ended: span.ended,
    resource: span.resource.attributes,
    scope: span.instrumentationScope,
  };
}

const linkContext = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };

/** One scripted sequence of operations, run against either tracer. */
function script(tracer: Tracer): void {
  const parent = tracer.startSpan('parent', {
    kind: SpanKind.SERVER,
    attributes: { a: 1, b: 'two', c: [1, 2, 3], d: ['x', 'yyyyyyyyyyyy'], ...anyValues(), e: undefined },
    links: [{ context: linkContext, attributes: { l1: 1, l2: 2, l3: 3 } }, { context: linkContext }],
  });
  context.with(trace.setSpan(context.active(), parent), () => {
    const child = tracer.startSpan('child');
    child.setAttribute('long', 'abcdefghijklmnopqrstuvwxyz');
    child.setAttribute('', 'empty key');
    if (!GEN3) child.setAttribute('mixed', [1, 'a'] as never);
    child.setAttribute('nothing', undefined as never);
    child.setAttributes({ k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: true });
    child.setAttribute('k1', 'overwritten');
    for (let i = 0; i < 6; i++) child.addEvent(`event-${i}`, { i, s: 'sssssssssssssssss', t: 1, u: 2 });
    child.addEvent('timed', [1_700_000_000, 5]);
    child.addLink({ context: linkContext, attributes: { x: 'long link value', y: 2, z: 3 } });
    child.addLinks([{ context: linkContext }, { context: linkContext }, { context: linkContext }]);
    child.recordException(new TypeError('bad type'));
    child.recordException('plain string');
    child.recordException({ code: 'E_CODE', message: 'with code' });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.setStatus({ code: SpanStatusCode.UNSET });
    child.updateName('child-renamed');
    child.end();
    child.setAttribute('after', 1);
    child.addEvent('after');
    child.updateName('after');
    child.end();
  });
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'ignored after OK' });
  parent.end();
}

describe('LightSpan matches the official span', () => {
  const limits: SpanLimits[] = [
    {},
    {
      attributeCountLimit: 4,
      attributeValueLengthLimit: 10,
      eventCountLimit: 3,
      linkCountLimit: 2,
      attributePerEventCountLimit: 2,
      attributePerLinkCountLimit: 1,
    },
    { attributeCountLimit: 0, eventCountLimit: 0, linkCountLimit: 0 },
  ];
  for (const l of limits) {
    it(`same ReadableSpans for limits ${JSON.stringify(l)}`, async () => {
      const p = pair(l);
      for (const t of [p.ours, p.official]) script(t); // same call site: same stack traces
      const ours = p.oursExporter.getFinishedSpans();
      const official = p.officialExporter.getFinishedSpans();
      expect(ours.map(shape)).toEqual(official.map(shape));
      expect(ours).toHaveLength(2);
      expect(ours.every((s) => s instanceof LightSpan)).toBe(true);
      // Parentage and ids are consistent.
      const [child, parent] = ours as [ReadableSpan, ReadableSpan];
      expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
      await p.oursProvider.shutdown();
      await p.officialProvider.shutdown();
    });
  }

  it.runIf(GEN3)('what differs on 3.x: map and mixed-array values, an event without attributes, a link with some', () => {
    const p = pair();
    for (const t of [p.ours, p.official]) {
      const span = t.startSpan('s', { attributes: { map: { nested: true } as never, mixed: [1, 'a'] as never, ok: 1 } });
      span.addEvent('bare');
      span.addLink({ context: linkContext, attributes: { l: 1 } });
      span.end();
    }
    const [ours, official] = [p.oursExporter.getFinishedSpans()[0]!, p.officialExporter.getFinishedSpans()[0]!];
    expect(ours.attributes).toEqual({ ok: 1 });
    expect(ours.droppedAttributesCount).toBe(0);
    expect(official.attributes).toEqual({ map: { nested: true }, mixed: [1, 'a'], ok: 1 });
    expect([ours.events[0]!.attributes, ours.events[0]!.droppedAttributesCount]).toEqual([{}, 0]);
    expect([official.events[0]!.attributes, official.events[0]!.droppedAttributesCount]).toEqual([undefined, undefined]);
    expect([ours.links[0]!.droppedAttributesCount, official.links[0]!.droppedAttributesCount]).toEqual([undefined, 0]);
  });

  it('keeps sane times: start <= end, duration = end - start, close to the official clock', async () => {
    const p = pair();
    const before = Date.now();
    const span = p.ours.startSpan('timed');
    await new Promise((r) => setTimeout(r, 20));
    span.end();
    const after = Date.now();
    const [s] = p.oursExporter.getFinishedSpans() as [ReadableSpan];
    const start = hrTimeToMilliseconds(s.startTime);
    const end = hrTimeToMilliseconds(s.endTime);
    expect(start).toBeGreaterThanOrEqual(before - 5);
    expect(end).toBeLessThanOrEqual(after + 5);
    expect(end - start).toBeGreaterThanOrEqual(15);
    expect(Math.abs(hrTimeToMilliseconds(s.duration) - (end - start))).toBeLessThan(0.01);
    expect(s.startTime[1]).toBeLessThan(1e9);
    expect(s.endTime[1]).toBeLessThan(1e9);
  });

  it('honours startTime as Date, epoch ms, performance ms and HrTime like the official span', () => {
    const p = pair();
    const inputs = [new Date(1_700_000_000_123), 1_700_000_000_456, performance.now() - 50, [1_700_000_000, 789] as [number, number]];
    for (const startTime of inputs) {
      p.ours.startSpan('a', { startTime }).end(1_800_000_000_000);
      p.official.startSpan('a', { startTime }).end(1_800_000_000_000);
    }
    const ours = p.oursExporter.getFinishedSpans();
    const official = p.officialExporter.getFinishedSpans();
    for (let i = 0; i < inputs.length; i++) {
      const o = hrTimeToMilliseconds(ours[i]!.startTime);
      const f = hrTimeToMilliseconds(official[i]!.startTime);
      expect(Math.abs(o - f)).toBeLessThan(5); // performance-relative input: clocks differ by µs
      expect(ours[i]!.endTime).toEqual(official[i]!.endTime);
    }
    expect(ours[3]!.startTime).toEqual([1_700_000_000, 789]);
  });

  it('clamps an end before the start to a zero duration', () => {
    const p = pair();
    p.ours.startSpan('back', { startTime: 1_800_000_000_000 }).end(1_700_000_000_000);
    const [s] = p.oursExporter.getFinishedSpans() as [ReadableSpan];
    expect(s.duration).toEqual([0, 0]);
    expect(s.endTime).toEqual(s.startTime);
  });

  it('reports unended spans like SpanImpl (endTime [0,0], duration [-1,-1], recording)', () => {
    const p = pair();
    const span = p.ours.startSpan('open') as unknown as LightSpan;
    expect(span.ended).toBe(false);
    expect(span.isRecording()).toBe(true);
    expect(span.endTime).toEqual([0, 0]);
    expect(span.duration).toEqual([-1, -1]);
    span.end();
    expect(span.isRecording()).toBe(false);
  });

  it('works with the official BatchSpanProcessor', async () => {
    const p = pair({}, true);
    for (let i = 0; i < 10; i++) p.ours.startSpan(`s${i}`).end();
    expect(p.oursExporter.getFinishedSpans()).toHaveLength(0);
    await p.oursProvider.forceFlush();
    expect(p.oursExporter.getFinishedSpans().map((s) => s.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `s${i}`),
    );
  });

  it('serializes through the official OTLP JSON and protobuf serializers like the official spans', () => {
    const p = pair({ attributeCountLimit: 4, eventCountLimit: 3, linkCountLimit: 2 });
    for (const t of [p.ours, p.official]) script(t);
    const ours = p.oursExporter.getFinishedSpans();
    const official = p.officialExporter.getFinishedSpans();
    const decode = (spans: ReadableSpan[]) =>
      JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)));
    const strip = (req: { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] }) => {
      for (const rs of req.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans) {
            for (const k of ['traceId', 'spanId', 'parentSpanId', 'startTimeUnixNano', 'endTimeUnixNano', 'flags']) delete s[k];
            for (const e of s.events as Record<string, unknown>[]) if ((e.name as string).startsWith('event') || e.name === 'exception') delete e.timeUnixNano;
          }
      return req;
    };
    const oursJson = decode(ours);
    expect(strip(oursJson)).toEqual(strip(decode(official)));
    const span0 = decode(ours).resourceSpans[0].scopeSpans[0].spans[0];
    expect(span0.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(BigInt(span0.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(span0.startTimeUnixNano));
    // flags: sampled + random + has-is-remote
    expect(span0.flags).toBe(0x100 | 0x03);
    const proto = ProtobufTraceSerializer.serializeRequest(ours);
    expect(proto).toBeInstanceOf(Uint8Array);
    expect(proto!.length).toBeGreaterThan(100);
  });

  it('warns once per kind for operations after end(), not per call', () => {
    const warnings: string[] = [];
    forgetReported();
    diag.setLogger(
      { warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m), info() {}, debug() {}, verbose() {} },
      DiagLogLevel.WARN,
    );
    try {
      const p = pair();
      for (let i = 0; i < 5; i++) {
        const s = p.ours.startSpan('x') as Span;
        s.end();
        s.setAttribute('a', 1);
        s.addEvent('e');
        s.end();
      }
      expect(warnings.filter((w) => w.includes('setAttribute'))).toHaveLength(1);
      expect(warnings.filter((w) => w.includes('addEvent'))).toHaveLength(1);
      expect(warnings.filter((w) => w.includes('more than once'))).toHaveLength(1);
      expect(p.oursExporter.getFinishedSpans()).toHaveLength(5);
    } finally {
      diag.disable();
    }
  });
});

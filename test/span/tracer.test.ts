import {
  context,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { suppressTracing, TraceState } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  SamplingDecision,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetReported } from '../../src/internal/diag.js';
import { randomSpanId, randomTraceId } from '../../src/span/ids.js';
import { LightNonRecordingSpan } from '../../src/span/non-recording-span.js';
import { LightSpan } from '../../src/span/span.js';
import { LightTracerProvider } from '../../src/span/tracer-provider.js';
import { withSpan, setWithSpanTracer } from '../../src/span/with-span.js';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
  setWithSpanTracer(undefined);
});

function setup(sampler?: Sampler) {
  const exporter = new InMemorySpanExporter();
  const provider = new LightTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })] });
  return { exporter, provider, tracer: provider.getTracer('t') };
}

class RecordingSampler implements Sampler {
  calls: { ctx: Context; traceId: string; name: string; kind: SpanKind; attributes: Attributes; links: Link[] }[] = [];
  constructor(private readonly result: SamplingResult) {}
  shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]) {
    this.calls.push({ ctx, traceId, name, kind, attributes: { ...attributes }, links });
    return this.result;
  }
  toString() {
    return 'RecordingSampler';
  }
}

describe('ids', () => {
  it('are lowercase hex of the right length, unique, never all-zero', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const t = randomTraceId();
      const s = randomSpanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      traces.add(t);
      spans.add(s);
    }
    expect(traces.size).toBe(20_000);
    expect(spans.size).toBe(20_000);
    expect(traces.has('0'.repeat(32))).toBe(false);
  });

  it('use every hex digit in every position (no stuck bits)', () => {
    const seen = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) [...randomTraceId()].forEach((c, j) => seen[j]!.add(c));
    for (const s of seen) expect(s.size).toBe(16);
  });
});

describe('LightTracer sampling and flags', () => {
  it('calls the sampler once, with the parent context, traceId, name, kind, attributes and links', () => {
    const sampler = new RecordingSampler({ decision: SamplingDecision.RECORD_AND_SAMPLED });
    const { tracer, exporter } = setup(sampler);
    const link = { context: { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), traceFlags: 1 }, attributes: { la: 1 } };
    const parent = tracer.startSpan('parent');
    const ctx = trace.setSpan(ROOT_CONTEXT, parent);
    const child = tracer.startSpan('child', { kind: SpanKind.CLIENT, attributes: { a: 'b' }, links: [link] }, ctx);
    child.end();
    parent.end();
    expect(sampler.calls).toHaveLength(2);
    const call = sampler.calls[1]!;
    expect(call.ctx).toBe(ctx);
    expect(call.traceId).toBe(parent.spanContext().traceId);
    expect(call.name).toBe('child');
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(call.attributes).toEqual({ a: 'b' });
    expect(call.links).toEqual([{ context: link.context, attributes: { la: 1 } }]);
    expect(exporter.getFinishedSpans()).toHaveLength(2);
  });

  it('sets the W3C random flag on new traces, sampled bit per decision, children inherit random', () => {
    const { tracer } = setup();
    const root = tracer.startSpan('root');
    expect(root.spanContext().traceFlags).toBe(TraceFlags.SAMPLED | 0x02);
    const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root));
    expect(child.spanContext().traceFlags).toBe(0x03);
    // A remote parent without the random flag: the child does not claim it.
    const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true });
    const fromRemote = tracer.startSpan('from-remote', {}, remote);
    expect(fromRemote.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
    expect(fromRemote.spanContext().traceId).toBe('a'.repeat(32));
  });

  it('RECORD: recording but unsampled, reaches processors onEnd but is not counted; NOT_RECORD: non-recording with valid ids', () => {
    const ended: ReadableSpan[] = [];
    const record = new LightTracerProvider({
      sampler: new RecordingSampler({ decision: SamplingDecision.RECORD }),
      spanProcessors: [{ onStart() {}, onEnd: (s) => ended.push(s), forceFlush: async () => {}, shutdown: async () => {} }],
    });
    const span = record.getTracer('t').startSpan('recorded');
    expect(span).toBeInstanceOf(LightSpan);
    expect(span.isRecording()).toBe(true);
    expect(span.spanContext().traceFlags).toBe(0x02);
    span.end();
    expect(ended).toHaveLength(1);
    expect(record.stats()).toEqual({ spansStarted: 0, spansEnded: 0, spansOpen: 0 });

    const off = setup(new AlwaysOffSampler());
    const nr = off.tracer.startSpan('dropped');
    expect(nr).toBeInstanceOf(LightNonRecordingSpan);
    expect(nr.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(nr.spanContext())).toBe(true);
    expect(nr.spanContext().traceFlags & TraceFlags.SAMPLED).toBe(0);
    const child = off.tracer.startSpan('dropped-child', {}, trace.setSpan(ROOT_CONTEXT, nr));
    expect(child.spanContext().traceId).toBe(nr.spanContext().traceId);
    nr.end();
    expect(off.exporter.getFinishedSpans()).toHaveLength(0);
    expect(off.provider.stats().spansStarted).toBe(0);
  });

  it('applies sampler attributes (overriding) and trace state', () => {
    const ts = new TraceState('vendor=value');
    const { tracer, exporter } = setup(
      new RecordingSampler({ decision: SamplingDecision.RECORD_AND_SAMPLED, attributes: { s: 'sampler', a: 'override' }, traceState: ts }),
    );
    tracer.startSpan('x', { attributes: { a: 'caller', b: 2 } }).end();
    const [span] = exporter.getFinishedSpans() as [ReadableSpan];
    expect(span.attributes).toEqual({ a: 'override', b: 2, s: 'sampler' });
    expect(span.spanContext().traceState).toBe(ts);
  });

  it('children keep the parent trace state when the sampler returns none', () => {
    const { tracer } = setup();
    const ts = new TraceState('k=v');
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, traceState: ts });
    expect(tracer.startSpan('c', {}, ctx).spanContext().traceState).toBe(ts);
  });

  it('honours root: true and isTracingSuppressed', () => {
    const { tracer } = setup();
    const parent = tracer.startSpan('p');
    const ctx = trace.setSpan(ROOT_CONTEXT, parent);
    const rooted = tracer.startSpan('r', { root: true }, ctx) as LightSpan;
    expect(rooted.parentSpanContext).toBeUndefined();
    expect(rooted.spanContext().traceId).not.toBe(parent.spanContext().traceId);
    const suppressed = tracer.startSpan('s', {}, suppressTracing(ctx));
    expect(suppressed.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(suppressed.spanContext())).toBe(false);
  });

  it('startActiveSpan supports all overloads and makes the span active', () => {
    const { tracer } = setup();
    const r1 = tracer.startActiveSpan('a', (span) => {
      expect(trace.getActiveSpan()).toBe(span);
      span.end();
      return 1;
    });
    const r2 = tracer.startActiveSpan('b', { kind: SpanKind.SERVER }, (span) => {
      span.end();
      return 2;
    });
    const parent = tracer.startSpan('p');
    const r3 = tracer.startActiveSpan('c', {}, trace.setSpan(ROOT_CONTEXT, parent), (span) => {
      expect((span as LightSpan).parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      span.end();
      return 3;
    });
    expect([r1, r2, r3]).toEqual([1, 2, 3]);
  });
});

describe('LightTracerProvider', () => {
  it('caches tracers per name@version and records the instrumentation scope', () => {
    const { provider } = setup();
    expect(provider.getTracer('a', '1')).toBe(provider.getTracer('a', '1'));
    expect(provider.getTracer('a', '1')).not.toBe(provider.getTracer('a', '2'));
    const span = provider.getTracer('lib', '9.9', { schemaUrl: 'https://s' }).startSpan('x') as LightSpan;
    expect(span.instrumentationScope).toEqual({ name: 'lib', version: '9.9', schemaUrl: 'https://s' });
  });

  it('stats counts sampled spans started, ended and open', () => {
    const { provider, tracer } = setup();
    const a = tracer.startSpan('a');
    tracer.startSpan('b');
    a.end();
    a.end();
    expect(provider.stats()).toEqual({ spansStarted: 2, spansEnded: 1, spansOpen: 1 });
  });

  it('forceFlush and shutdown reach processors; shutdown is idempotent; spans after it do not record', async () => {
    let flushes = 0;
    let shutdowns = 0;
    const provider = new LightTracerProvider({
      spanProcessors: [
        {
          onStart() {},
          onEnd() {},
          forceFlush: async () => {
            flushes++;
          },
          shutdown: async () => {
            shutdowns++;
          },
        },
      ],
    });
    await provider.forceFlush();
    const first = provider.shutdown();
    expect(provider.shutdown()).toBe(first);
    await first;
    await provider.shutdown();
    expect(flushes).toBe(1);
    expect(shutdowns).toBe(1);
    const after = provider.getTracer('t').startSpan('late');
    expect(after.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(after.spanContext())).toBe(true);
  });

  it('a throwing span processor never reaches user code', () => {
    forgetReported();
    const errors: string[] = [];
    diag.setLogger({ error: (m: string) => errors.push(m), warn() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.ERROR);
    try {
      const provider = new LightTracerProvider({
        spanProcessors: [
          {
            onStart() {
              throw new Error('onStart bug');
            },
            onEnd() {
              throw new Error('onEnd bug');
            },
            forceFlush: async () => {
              throw new Error('flush bug');
            },
            shutdown: async () => {},
          },
        ],
      });
      setWithSpanTracer(provider.getTracer('tracelight'));
      expect(withSpan('ok', () => 'fine')).toBe('fine');
      expect(withSpan('ok', () => 'again')).toBe('again');
      expect(errors.filter((e) => e.includes('onStart'))).toHaveLength(1);
      expect(errors.filter((e) => e.includes('onEnd'))).toHaveLength(1);
      return provider.forceFlush();
    } finally {
      setWithSpanTracer(undefined);
      diag.disable();
    }
  });

  it('a throwing sampler gives a non-recording span, not an exception', () => {
    const { tracer } = setup({
      shouldSample() {
        throw new Error('sampler bug');
      },
    });
    const span = tracer.startSpan('x');
    expect(span.isRecording()).toBe(false);
  });

  it('debug.openSpanThresholdMs reports spans left open, once, with the start stack', async () => {
    forgetReported();
    const warnings: string[] = [];
    diag.setLogger({ warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
    const provider = new LightTracerProvider({ debug: { openSpanThresholdMs: 20 } });
    try {
      const tracer = provider.getTracer('t');
      function startLeakySpan() {
        return tracer.startSpan('leaky');
      }
      startLeakySpan();
      tracer.startSpan('closed').end();
      await new Promise((r) => setTimeout(r, 80));
      const leak = warnings.filter((w) => w.includes('"leaky"'));
      expect(leak).toHaveLength(1);
      expect(leak[0]).toContain('startLeakySpan');
      expect(warnings.some((w) => w.includes('"closed"'))).toBe(false);
    } finally {
      await provider.shutdown();
      diag.disable();
    }
  });
});

describe('start attributes', () => {
  it('a copied object: the caller keeps theirs; nulls and invalid values are dropped; limits and redaction apply', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new LightTracerProvider({
      spanLimits: { attributeCountLimit: 3, attributeValueLengthLimit: 4 },
      spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })],
    });
    const input = { a: 'abcdefgh', gone: null, db_password: 'hunter2', bad: { nested: true }, b: 1, c: true, d: 'x' } as unknown as Attributes;
    const before = { ...input };
    provider.getTracer('t').startSpan('s', { attributes: input }).end();
    expect(input).toEqual(before);
    const span = exporter.getFinishedSpans()[0]!;
    // 'bad' is invalid, so the slow copy drops it; the first three recordable entries are kept.
    expect(span.attributes).toEqual({ a: 'abcd', db_password: '[RED', b: 1 });
    expect(span.droppedAttributesCount).toBe(2);
  });

  it('an owned object (ATTRIBUTES_OWNED) is validated, limited and redacted in place, and becomes the span\'s', async () => {
    const { ATTRIBUTES_OWNED } = await import('../../src/internal/owned-attributes.js');
    const exporter = new InMemorySpanExporter();
    const provider = new LightTracerProvider({ spanLimits: { attributeCountLimit: 3 }, spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })] });
    const owned = { 'http.request.method': 'GET', gone: undefined, token: 'secret', bad: { x: 1 }, n: 2, extra: 'over the limit' } as unknown as Attributes;
    provider.getTracer('t').startSpan('s', { attributes: owned, [ATTRIBUTES_OWNED]: true } as never).end();
    const span = exporter.getFinishedSpans()[0]!;
    expect(span.attributes).toBe(owned);
    expect({ ...span.attributes }).toEqual({ 'http.request.method': 'GET', token: '[REDACTED]', n: 2 });
    expect(span.droppedAttributesCount).toBe(1);
  });

  it('attributes a sampler adds by mutating the object it was given are recorded', () => {
    const exporter = new InMemorySpanExporter();
    const sampler: Sampler = {
      shouldSample: (_c, _t, _n, _k, attributes) => {
        attributes['sampler.added'] = 'yes';
        return { decision: SamplingDecision.RECORD_AND_SAMPLED };
      },
      toString: () => 'mutating',
    };
    const provider = new LightTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })] });
    provider.getTracer('t').startSpan('s', { attributes: { a: 1 } }).end();
    expect(exporter.getFinishedSpans()[0]!.attributes).toEqual({ a: 1, 'sampler.added': 'yes' });
  });
});

describe('default sampler (parentbased_always_on, decided inline)', () => {
  it('decides as the official ParentBasedSampler for roots, local and remote parents, sampled or not, valid or not', async () => {
    const { ParentBasedSampler, AlwaysOnSampler } = await import('@opentelemetry/sdk-trace');
    const fast = new LightTracerProvider().getTracer('t');
    const official = new LightTracerProvider({ sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }) }).getTracer('t');
    const state = new TraceState('k=v');
    const parents: Context[] = [ROOT_CONTEXT];
    for (const isRemote of [true, false]) {
      for (const traceFlags of [0, 1, 2, 3]) {
        for (const traceId of ['1'.repeat(32), '0'.repeat(32), 'XYZ']) {
          parents.push(trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '2'.repeat(16), traceFlags, isRemote, traceState: state }));
        }
      }
    }
    const sampledLocal = fast.startSpan('p');
    parents.push(trace.setSpan(ROOT_CONTEXT, sampledLocal));
    for (const parent of parents) {
      const a = fast.startSpan('c', {}, parent);
      const b = official.startSpan('c', {}, parent);
      expect(a.isRecording()).toBe(b.isRecording());
      expect(a.spanContext().traceFlags).toBe(b.spanContext().traceFlags);
      expect(a.spanContext().traceState).toBe(b.spanContext().traceState);
      expect(a.constructor).toBe(b.constructor);
    }
  });
});

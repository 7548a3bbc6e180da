import { context, ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { traced } from '../../src/span/traced.js';
import { LightTracerProvider } from '../../src/span/tracer-provider.js';
import { setWithSpanTracer, withSpan } from '../../src/span/with-span.js';

let exporter = new InMemorySpanExporter();
let provider: LightTracerProvider;

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});

const modes = ['init tracer', 'global provider'] as const;

function finished(): ReadableSpan[] {
  return exporter.getFinishedSpans();
}

function byName(name: string): ReadableSpan {
  const found = finished().filter((s) => s.name === name);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const mode of modes) {
  describe(`withSpan (${mode})`, () => {
    beforeEach(() => {
      exporter = new InMemorySpanExporter();
      provider = new LightTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })] });
      if (mode === 'init tracer') setWithSpanTracer(provider.getTracer('tracelight'));
      else trace.setGlobalTracerProvider(provider);
    });
    afterEach(async () => {
      setWithSpanTracer(undefined);
      trace.disable();
      await provider.shutdown();
    });

    it('an unhandled rejection is reported once, for the promise fn returned, with the same error', async () => {
      const reasons: Array<[unknown, Promise<unknown>]> = [];
      const listener = (reason: unknown, promise: Promise<unknown>): void => void reasons.push([reason, promise]);
      process.on('unhandledRejection', listener);
      try {
        const boom = new Error('nobody handles me');
        const result = withSpan('unhandled', async () => {
          throw boom;
        });
        await sleep(20);
        expect(reasons).toEqual([[boom, result]]);
        expect(byName('unhandled').status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'nobody handles me' });
        result.catch(() => undefined);
      } finally {
        process.off('unhandledRejection', listener);
      }
    });

    it('sync: returns the value, ends once, span active inside and not after', () => {
      const value = { some: 'object' };
      let inside: Span | undefined;
      const result = withSpan('sync', (span) => {
        inside = span;
        expect(trace.getActiveSpan()).toBe(span);
        expect(span.isRecording()).toBe(true);
        return value;
      });
      expect(result).toBe(value);
      expect(trace.getActiveSpan()).toBeUndefined();
      expect(inside!.isRecording()).toBe(false);
      expect(byName('sync').status.code).toBe(SpanStatusCode.UNSET);
      expect(provider.stats()).toEqual({ spansStarted: 1, spansEnded: 1, spansOpen: 0 });
    });

    it('sync undefined and falsy values pass through', () => {
      expect(withSpan('u', () => undefined)).toBeUndefined();
      expect(withSpan('z', () => 0)).toBe(0);
      expect(withSpan('n', () => null)).toBeNull();
      expect(finished()).toHaveLength(3);
    });

    it('sync throw: same error rethrown, exception recorded, status ERROR, ended once', () => {
      const err = new RangeError('out of range');
      let caught: unknown;
      try {
        withSpan('throws', () => {
          throw err;
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe(err);
      const s = byName('throws');
      expect(s.status).toEqual({ code: SpanStatusCode.ERROR, message: 'out of range' });
      expect(s.events).toHaveLength(1);
      expect(s.events[0]!.name).toBe('exception');
      expect(s.events[0]!.attributes?.['exception.type']).toBe('RangeError');
      expect(s.events[0]!.attributes?.['exception.message']).toBe('out of range');
      expect(String(s.events[0]!.attributes?.['exception.stacktrace'])).toContain('RangeError');
    });

    it('throwing a non-Error value rethrows it unchanged', () => {
      let caught: unknown;
      try {
        withSpan('throws-string', () => {
          throw 'just a string';
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe('just a string');
      expect(byName('throws-string').status).toEqual({ code: SpanStatusCode.ERROR, message: 'just a string' });
    });

    it('async: resolves to the same value and ends only after the promise settles', async () => {
      const value = { v: 1 };
      let spanRef: Span | undefined;
      const p = withSpan('async', async (span) => {
        spanRef = span;
        await sleep(5);
        expect(trace.getActiveSpan()).toBe(span);
        return value;
      });
      expect(p).toBeInstanceOf(Promise);
      expect(spanRef!.isRecording()).toBe(true);
      expect(finished()).toHaveLength(0);
      expect(await p).toBe(value);
      expect(finished()).toHaveLength(1);
    });

    it('async: a returned promise that resolves to the same object, and to undefined', async () => {
      const obj = {};
      expect(await withSpan('same', () => Promise.resolve(obj))).toBe(obj);
      expect(await withSpan('undef', async () => undefined)).toBeUndefined();
      expect(finished()).toHaveLength(2);
    });

    it('async rejection: same error, recorded, ended once', async () => {
      const err = new Error('rejected');
      await expect(
        withSpan('rejects', async () => {
          await sleep(1);
          throw err;
        }),
      ).rejects.toBe(err);
      const s = byName('rejects');
      expect(s.status).toEqual({ code: SpanStatusCode.ERROR, message: 'rejected' });
      expect(s.events.map((e) => e.name)).toEqual(['exception']);
    });

    it('thenable (non-Promise): returns a promise of its value and ends once when it settles', async () => {
      let resolveIt: (v: string) => void = () => {};
      let thenCalls = 0;
      const thenable = {
        then(onOk: (v: string) => unknown, onErr?: (e: unknown) => unknown) {
          thenCalls++;
          return new Promise<string>((r) => {
            resolveIt = r;
          }).then(onOk, onErr);
        },
      };
      const result = withSpan('thenable', () => thenable) as unknown as Promise<string>;
      expect(result).toBeInstanceOf(Promise);
      await sleep(1);
      expect(finished()).toHaveLength(0);
      resolveIt('done');
      expect(await result).toBe('done');
      expect(thenCalls).toBe(1);
      expect(finished()).toHaveLength(1);
      const rejecting = { then: (_ok: unknown, onErr: (e: unknown) => void) => onErr('nope') };
      await expect(withSpan('thenable-rejects', () => rejecting)).rejects.toBe('nope');
      expect(byName('thenable-rejects').status.code).toBe(SpanStatusCode.ERROR);
    });

    it('every span ends exactly once (processor onEnd count) across sync/async/throw/reject', async () => {
      let ends = 0;
      const counting = new LightTracerProvider({
        spanProcessors: [
          {
            onStart() {},
            onEnd() {
              ends++;
            },
            forceFlush: async () => {},
            shutdown: async () => {},
          },
        ],
      });
      setWithSpanTracer(counting.getTracer('tracelight'));
      withSpan('a', () => 1);
      await withSpan('b', async () => 2);
      try {
        withSpan('c', () => {
          throw new Error('c');
        });
      } catch {}
      await withSpan('d', async () => {
        throw new Error('d');
      }).catch(() => {});
      await withSpan('e', (span) => {
        span.end(); // user ends it early: the second end is ignored
        return 5;
      });
      expect(ends).toBe(5);
      expect(counting.stats()).toEqual({ spansStarted: 5, spansEnded: 5, spansOpen: 0 });
    });

    it('nested withSpan across await keep the right parents', async () => {
      await withSpan('root', async () => {
        await sleep(1);
        await withSpan('child-1', async () => {
          await sleep(1);
          withSpan('grandchild', () => {});
        });
        await withSpan('child-2', async () => {});
      });
      const root = byName('root');
      const c1 = byName('child-1');
      const c2 = byName('child-2');
      const g = byName('grandchild');
      expect(root.parentSpanContext).toBeUndefined();
      expect(c1.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(c2.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(g.parentSpanContext?.spanId).toBe(c1.spanContext().spanId);
      for (const s of [c1, c2, g]) expect(s.spanContext().traceId).toBe(root.spanContext().traceId);
    });

    it('1,000 concurrent trees with random delays: no parent mix-ups', async () => {
      const rnd = () => Math.floor(Math.random() * 4);
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          withSpan(`root-${i}`, async () => {
            await sleep(rnd());
            await Promise.all([
              withSpan(`a-${i}`, async () => {
                await sleep(rnd());
                await withSpan(`a1-${i}`, async () => sleep(rnd()));
              }),
              withSpan(`b-${i}`, async () => {
                await sleep(rnd());
              }),
            ]);
          }),
        ),
      );
      const spans = finished();
      expect(spans).toHaveLength(4000);
      const byN = new Map(spans.map((s) => [s.name, s]));
      for (let i = 0; i < 1000; i++) {
        const root = byN.get(`root-${i}`)!;
        const a = byN.get(`a-${i}`)!;
        const a1 = byN.get(`a1-${i}`)!;
        const b = byN.get(`b-${i}`)!;
        expect(root.parentSpanContext).toBeUndefined();
        expect(a.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
        expect(b.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
        expect(a1.parentSpanContext?.spanId).toBe(a.spanContext().spanId);
        for (const s of [a, b, a1]) expect(s.spanContext().traceId).toBe(root.spanContext().traceId);
      }
      expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1000);
    });

    it('options: attributes, kind, links, startTime, root, parent as SpanContext and as Context', () => {
      const remote = { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1, isRemote: true };
      withSpan('outer', () => {
        withSpan('rooted', { root: true }, () => {});
        withSpan('from-sc', { parent: remote, attributes: { k: 'v' }, kind: 2, links: [{ context: remote }] }, () => {});
        withSpan('from-ctx', { parent: trace.setSpanContext(ROOT_CONTEXT, remote), startTime: new Date(1_700_000_000_000) }, () => {});
      });
      const outer = byName('outer');
      const rooted = byName('rooted');
      expect(rooted.parentSpanContext).toBeUndefined();
      expect(rooted.spanContext().traceId).not.toBe(outer.spanContext().traceId);
      const fromSc = byName('from-sc');
      expect(fromSc.parentSpanContext?.spanId).toBe('d'.repeat(16));
      expect(fromSc.spanContext().traceId).toBe('c'.repeat(32));
      expect(fromSc.attributes).toEqual({ k: 'v' });
      expect(fromSc.kind).toBe(2);
      expect(fromSc.links).toHaveLength(1);
      const fromCtx = byName('from-ctx');
      expect(fromCtx.parentSpanContext?.spanId).toBe('d'.repeat(16));
      expect(fromCtx.startTime).toEqual([1_700_000_000, 0]);
    });

    it('traced keeps this, arguments, length and name, and runs each call in a span', async () => {
      const obj = {
        factor: 3,
        multiply: traced('multiply', function multiply(this: { factor: number }, a: number, b: number) {
          expect(trace.getActiveSpan()?.isRecording()).toBe(true);
          return a * b * this.factor;
        }),
      };
      expect(obj.multiply.name).toBe('multiply');
      expect(obj.multiply.length).toBe(2);
      expect(obj.multiply(2, 5)).toBe(30);
      const load = traced('load', async (id: string) => ({ id }), { attributes: { op: 'load' } });
      expect(await load('x')).toEqual({ id: 'x' });
      const err = new Error('traced fails');
      const fails = traced('fails', () => {
        throw err;
      });
      expect(() => fails()).toThrow(err);
      expect(byName('multiply').ended).toBe(true);
      expect(byName('load').attributes).toEqual({ op: 'load' });
      expect(byName('fails').status.code).toBe(SpanStatusCode.ERROR);
    });
  });
}

describe('withSpan without tracelight', () => {
  it('runs fn with a non-recording span and returns its result when no provider is registered', async () => {
    trace.disable();
    setWithSpanTracer(undefined);
    const obj = {};
    expect(
      withSpan('nothing', (span) => {
        expect(span.isRecording()).toBe(false);
        return obj;
      }),
    ).toBe(obj);
    expect(await withSpan('nothing-async', async () => 42)).toBe(42);
    const err = new Error('still rethrown');
    expect(() =>
      withSpan('x', () => {
        throw err;
      }),
    ).toThrow(err);
  });

  it('works under the official BasicTracerProvider', async () => {
    const { TracerProvider: BasicTracerProvider } = await import('@opentelemetry/sdk-trace');
    const official = new InMemorySpanExporter();
    const p = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: official })] });
    trace.setGlobalTracerProvider(p);
    try {
      await withSpan('official-parent', async () => {
        await sleep(1);
        withSpan('official-child', { attributes: { a: 1 } }, () => {});
        await expect(
          withSpan('official-fail', async () => {
            throw new Error('x');
          }),
        ).rejects.toThrow('x');
      });
      const spans = official.getFinishedSpans();
      const parent = spans.find((s) => s.name === 'official-parent')!;
      const child = spans.find((s) => s.name === 'official-child')!;
      expect(spans).toHaveLength(3);
      expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(child.attributes).toEqual({ a: 1 });
      expect(spans.find((s) => s.name === 'official-fail')!.status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      trace.disable();
      await p.shutdown();
    }
  });
});

/**
 * Tail sampling decisions through init(): a fragment (the local spans of one trace) is kept
 * whole when a span errs, when its local root is slow, or when the baseline admits its trace id;
 * otherwise dropped whole. Fragments whose root never ends are decided after the timeout.
 */
import { context, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { collectingExporter, freshTracelight } from '../helpers/fresh-tracelight.js';
import type { Api } from '../helpers/fresh-tracelight.js';
import type { TracelightHandle } from '../../src/index.js';
import type { TailSamplingOptions } from '../../src/sampling/tail-sampling-options.js';

const REASON = 'tracelight.sampling.reason';
const COUNT = 'tracelight.sampling.adjusted_count';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let handle: TracelightHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

async function setup(tail: TailSamplingOptions | 'keep-errors-and-slow', ratio?: number): Promise<{ tl: Api; spans: ReturnType<typeof collectingExporter>['spans'] }> {
  const tl = await freshTracelight();
  const exporter = collectingExporter();
  handle = tl.init({ serviceName: 'tail', exporter, flushOnExit: false, sampler: ratio === undefined ? { tail } : { ratio, tail } });
  return { tl, spans: exporter.spans };
}

/** A context whose remote parent has this trace id (and trace state), so the trace id is ours to choose. */
function remoteParent(tl: Api, traceId: string, tracestate?: string): ReturnType<typeof context.active> {
  return tl.extractContext({ traceparent: `00-${traceId}-00f067aa0ba902b7-01`, ...(tracestate ? { tracestate } : {}) });
}

const HIGH = '4bf92f3577b34da6a3ffffffffffffff'; // randomness 2^56 - 1: every baseline > 0 admits it
const LOW = '4bf92f3577b34da6a300000000000000'; // randomness 0: only baseline 1 admits it

describe('tail sampling decisions', () => {
  it('keeps a fragment with an error anywhere, whole, with the reason on the root; drops a fast ok one whole', async () => {
    const { tl, spans } = await setup({ slowerThanMs: 10_000, baseline: 0 });
    await tl.withSpan('ok root', async () => {
      await tl.withSpan('ok child', async () => undefined);
    });
    await tl.withSpan('err root', async () => {
      await tl.withSpan('fine child', async () => undefined);
      await tl.withSpan('failing child', async () => {
        throw new Error('boom');
      }).catch(() => undefined);
      await tl.withSpan('later child', async () => undefined);
    });
    const s = handle!.stats().sampling;
    expect(s).toEqual({ tailKept: 1, tailDropped: 1, tailEvicted: 0, tailTimedOut: 0, tailSpansDropped: 2, tailSpansHeld: 0 });
    await handle!.forceFlush();
    expect(spans.map((x) => x.name).sort()).toEqual(['err root', 'failing child', 'fine child', 'later child']);
    const root = spans.find((x) => x.name === 'err root')!;
    expect(root.attributes[REASON]).toBe('error');
    expect(root.attributes[COUNT]).toBe(1);
    // Only the root carries them.
    expect(spans.filter((x) => x.attributes[REASON] !== undefined)).toHaveLength(1);
    expect(handle!.stats().exported).toBe(4);
  });

  it('keeps a fragment whose root is slower than slowerThanMs, and not one just under it', async () => {
    const { tl, spans } = await setup({ slowerThanMs: 300, baseline: 0 });
    await tl.withSpan('slow', async () => {
      await tl.withSpan('inside', () => sleep(400));
    });
    await tl.withSpan('fast', () => sleep(5));
    await handle!.forceFlush();
    expect(spans.map((x) => x.name).sort()).toEqual(['inside', 'slow']);
    expect(spans.find((x) => x.name === 'slow')!.attributes).toMatchObject({ [REASON]: 'slow', [COUNT]: 1 });
  });

  it('error wins over slow as the reason', async () => {
    const { tl, spans } = await setup({ slowerThanMs: 10, baseline: 0 });
    await tl.withSpan('slow and failing', async () => {
      await sleep(30);
      throw new Error('late failure');
    }).catch(() => undefined);
    await handle!.forceFlush();
    expect(spans[0]!.attributes[REASON]).toBe('error');
  });

  it('keepErrors: false drops a fast fragment with an error', async () => {
    const { tl, spans } = await setup({ keepErrors: false, slowerThanMs: 10_000, baseline: 0 });
    await tl.withSpan('failing', async () => {
      throw new Error('x');
    }).then(undefined, () => undefined);
    try {
      tl.withSpan('failing sync', () => {
        throw new Error('y');
      });
    } catch {
      // the user's error, rethrown unchanged
    }
    await handle!.forceFlush();
    expect(spans).toEqual([]);
    expect(handle!.stats().sampling.tailDropped).toBe(2);
  });

  it('the baseline decides from the trace id: the same trace ids are kept at every run, with adjusted count 1/baseline', async () => {
    const { tl, spans } = await setup({ slowerThanMs: 10_000, baseline: 0.25 });
    await context.with(remoteParent(tl, HIGH), () => tl.withSpan('high', async () => undefined));
    await context.with(remoteParent(tl, LOW), () => tl.withSpan('low', async () => undefined));
    // Randomness just at and just under the threshold (1 - 0.25) · 2^56 = 0xc0000000000000.
    await context.with(remoteParent(tl, '4bf92f3577b34da6a3c0000000000000'), () => tl.withSpan('at threshold', async () => undefined));
    await context.with(remoteParent(tl, '4bf92f3577b34da6a3bfffffffffffff'), () => tl.withSpan('just under', async () => undefined));
    await handle!.forceFlush();
    expect(spans.map((x) => x.name).sort()).toEqual(['at threshold', 'high']);
    for (const x of spans) expect(x.attributes).toMatchObject({ [REASON]: 'baseline', [COUNT]: 4 });
  });

  it('an explicit ot=rv: in the trace state is the randomness, as the specification says', async () => {
    const { tl, spans } = await setup({ slowerThanMs: 10_000, baseline: 0.5 });
    await context.with(remoteParent(tl, HIGH, 'ot=rv:00000000000000'), () => tl.withSpan('rv low', async () => undefined));
    await context.with(remoteParent(tl, LOW, 'ot=rv:ffffffffffffff'), () => tl.withSpan('rv high', async () => undefined));
    await handle!.forceFlush();
    expect(spans.map((x) => x.name)).toEqual(['rv high']);
  });

  it("with a head sampler's threshold (ot=th:) the adjusted count includes the head's probability", async () => {
    const { tl, spans } = await setup({ slowerThanMs: 10_000, baseline: 0.25 });
    // th:8 = head probability 1/2.
    await context.with(remoteParent(tl, HIGH, 'ot=th:8'), () =>
      tl.withSpan('head-sampled error', async () => {
        throw new Error('x');
      }).catch(() => undefined),
    );
    await context.with(remoteParent(tl, HIGH, 'ot=th:8'), () => tl.withSpan('head-sampled baseline', async () => undefined));
    // th:e = head probability 1/8, below the baseline: every head-sampled trace passes it.
    await context.with(remoteParent(tl, HIGH, 'ot=th:e'), () => tl.withSpan('rarer head', async () => undefined));
    await handle!.forceFlush();
    const byName = new Map(spans.map((x) => [x.name, x.attributes]));
    expect(byName.get('head-sampled error')).toMatchObject({ [REASON]: 'error', [COUNT]: 2 });
    expect(byName.get('head-sampled baseline')).toMatchObject({ [REASON]: 'baseline', [COUNT]: 4 });
    expect(byName.get('rarer head')).toMatchObject({ [REASON]: 'baseline', [COUNT]: 8 });
  });

  it("the preset 'keep-errors-and-slow' keeps errors, roots over 1 s and a 10% baseline", async () => {
    const { tl, spans } = await setup('keep-errors-and-slow');
    await context.with(remoteParent(tl, HIGH), () => tl.withSpan('baseline', async () => undefined));
    await context.with(remoteParent(tl, LOW), () => tl.withSpan('dropped', async () => undefined));
    await context.with(remoteParent(tl, LOW), () =>
      tl.withSpan('error', async () => {
        throw new Error('x');
      }).catch(() => undefined),
    );
    await handle!.forceFlush();
    expect(spans.map((x) => [x.name, x.attributes[REASON], x.attributes[COUNT]]).sort()).toEqual([
      ['baseline', 'baseline', 10],
      ['error', 'error', 1],
    ]);
  });

  it('spans of a kept fragment that end after its root are exported; those of a dropped one are not', async () => {
    const { tl, spans } = await setup({ slowerThanMs: 10_000, baseline: 0 });
    const tracer = handle!.tracer;
    const keptRoot = tracer.startSpan('kept root');
    const keptLate = tracer.startSpan('kept late child', {}, trace.setSpan(context.active(), keptRoot));
    keptRoot.setStatus({ code: 2 });
    keptRoot.end();
    const droppedRoot = tracer.startSpan('dropped root');
    const droppedLate = tracer.startSpan('dropped late child', {}, trace.setSpan(context.active(), droppedRoot));
    droppedRoot.end();
    expect(handle!.stats().sampling.tailSpansHeld).toBe(0);
    keptLate.end();
    droppedLate.end();
    await handle!.forceFlush();
    expect(spans.map((x) => x.name).sort()).toEqual(['kept late child', 'kept root']);
    expect(handle!.stats().sampling).toMatchObject({ tailKept: 1, tailDropped: 1, tailSpansDropped: 2 });
  });

  it('a fragment whose root never ends is decided after decisionTimeoutMs (slow by then), and its root exported when it ends', async () => {
    const { tl, spans } = await setup({ slowerThanMs: 50, baseline: 0, decisionTimeoutMs: 100 });
    const tracer = handle!.tracer;
    const stuck = tracer.startSpan('stuck root');
    tracer.startSpan('child', {}, trace.setSpan(context.active(), stuck)).end();
    expect(handle!.stats().sampling.tailSpansHeld).toBe(1);
    await sleep(250);
    const s = handle!.stats().sampling;
    expect(s).toMatchObject({ tailTimedOut: 1, tailKept: 1, tailSpansHeld: 0 });
    stuck.end();
    await handle!.forceFlush();
    expect(spans.map((x) => x.name).sort()).toEqual(['child', 'stuck root']);
    expect(spans.find((x) => x.name === 'stuck root')!.attributes[REASON]).toBe('slow');
    void tl;
  });

  it('a fragment that times out young (not slow, no error, baseline 0) is dropped, spans ending later too', async () => {
    const { spans } = await setup({ slowerThanMs: 10_000, baseline: 0, decisionTimeoutMs: 50 });
    const tracer = handle!.tracer;
    const stuck = tracer.startSpan('stuck root');
    tracer.startSpan('child', {}, trace.setSpan(context.active(), stuck)).end();
    await sleep(150);
    expect(handle!.stats().sampling).toMatchObject({ tailTimedOut: 1, tailDropped: 1, tailSpansDropped: 1 });
    stuck.end();
    await handle!.forceFlush();
    expect(spans).toEqual([]);
    expect(handle!.stats().sampling.tailSpansDropped).toBe(2);
  });

  it('forceFlush decides held fragments as if their roots ended now; an error already seen keeps it', async () => {
    const { spans } = await setup({ slowerThanMs: 10_000, baseline: 0 });
    const tracer = handle!.tracer;
    const open = tracer.startSpan('open root');
    const failing = tracer.startSpan('failing child', {}, trace.setSpan(context.active(), open));
    failing.setStatus({ code: 2, message: 'bad' });
    failing.end();
    await handle!.forceFlush();
    expect(spans.map((x) => x.name)).toEqual(['failing child']);
    open.end();
    await handle!.forceFlush();
    expect(spans.map((x) => x.name)).toEqual(['failing child', 'open root']);
    expect(spans[1]!.attributes[REASON]).toBe('error');
  });

  it('maxSpansPerFragment bounds what one fragment holds; the rest are dropped and counted, an error among them still keeps it', async () => {
    const { tl, spans } = await setup({ slowerThanMs: 10_000, baseline: 0, maxSpansPerFragment: 10 });
    await tl.withSpan('root', async (root) => {
      for (let i = 0; i < 25; i++) await tl.withSpan(`child ${i}`, async () => undefined);
      await tl.withSpan('failing', async () => {
        throw new Error('x');
      }).catch(() => undefined);
      root.setAttribute('done', true);
    });
    await handle!.forceFlush();
    expect(spans).toHaveLength(11); // 10 held children + the root
    expect(handle!.stats().sampling).toMatchObject({ tailKept: 1, tailSpansDropped: 16 });
    expect(spans.find((x) => x.name === 'root')!.attributes[REASON]).toBe('error');
  });

  it('with a head ratio, head sampling drops first and tail decides among the recorded', async () => {
    const { tl, spans } = await setup({ slowerThanMs: 10_000, baseline: 1 }, 0);
    await tl.withSpan('never recorded', async () => {
      throw new Error('x');
    }).catch(() => undefined);
    await handle!.forceFlush();
    expect(spans).toEqual([]);
    expect(handle!.stats().spansStarted).toBe(0);
    expect(handle!.stats().sampling.tailKept + handle!.stats().sampling.tailDropped).toBe(0);
  });

  it('the reason is there even on a root at the attribute count limit, and redaction leaves it alone', async () => {
    const tl = await freshTracelight();
    const exporter = collectingExporter();
    handle = tl.init({
      serviceName: 'tail',
      exporter,
      flushOnExit: false,
      spanLimits: { attributeCountLimit: 1 },
      redact: { patterns: [/.*/] },
      sampler: { tail: { baseline: 1 } },
    });
    await tl.withSpan('full', { attributes: { user: 'x' } }, async () => undefined);
    await handle.forceFlush();
    expect(exporter.spans[0]!.attributes).toMatchObject({ [REASON]: 'baseline', [COUNT]: 1 });
  });

  it('diagnose() shows the tail sampling settings in effect, and its stats the sampling counters', async () => {
    const { tl } = await setup({ slowerThanMs: 250, baseline: 0.07 });
    await tl.withSpan('one', async () => undefined);
    const d = await tl.diagnose({ print: false });
    const row = d.settings.find((r) => r.name === 'sampler.tail');
    expect(row?.value).toContain('errors, roots slower than 250 ms, 7% of the rest');
    expect(row?.from).toBe('init() option');
    expect(d.stats?.sampling.tailKept! + d.stats?.sampling.tailDropped!).toBe(1);
  });

  it('a processor behind that throws never reaches user code; the span is still counted', async () => {
    const tl = await freshTracelight();
    const exporter = {
      export() {
        throw new Error('exporter bug');
      },
      shutdown: async () => undefined,
    };
    handle = tl.init({ serviceName: 'tail', exporter, flushOnExit: false, logLevel: 'none', sampler: { tail: { baseline: 1 } } });
    expect(await tl.withSpan('fine', async () => 42)).toBe(42);
    await handle.forceFlush();
    expect(handle.stats().sampling.tailKept).toBe(1);
  });
});

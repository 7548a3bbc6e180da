import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, HrTime, Tracer } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { IdGenerator, ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collapseMinimum, collapseSiblings } from '../../src/exporters/waterfall/collapse-siblings.js';
import { displayWidth } from '../../src/exporters/waterfall/display-width.js';
import { formatDuration } from '../../src/exporters/waterfall/format-duration.js';
import { renderWaterfall } from '../../src/exporters/waterfall/render.js';
import type { WaterfallOptions } from '../../src/exporters/waterfall/render.js';
import { buildSpanForest } from '../../src/exporters/span-tree.js';
import { atMs as at, CountingIds, setupTracing } from './helpers.js';

const memory = new InMemorySpanExporter();
const ids = new CountingIds();
let tracer: Tracer;
let close: () => Promise<void>;

beforeAll(() => {
  const tracing = setupTracing([new SimpleSpanProcessor({ exporter: memory })], { idGenerator: ids });
  tracer = tracing.tracer;
  close = tracing.close;
});
afterAll(() => close());


function span(
  name: string,
  from: number,
  to: number,
  parent: Context | undefined,
  options: { kind?: SpanKind; attributes?: Attributes; error?: string } = {},
): Context {
  const s = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, startTime: at(from), attributes: options.attributes }, parent ?? context.active());
  if (options.error !== undefined) s.setStatus({ code: SpanStatusCode.ERROR, message: options.error });
  s.end(at(to));
  return trace.setSpan(context.active(), s);
}

const QUERY = 'SELECT * FROM items WHERE order_id = $1';

/**
 * The N+1 loop of the issue: a request that runs `SELECT items` 300 times, one after the other,
 * 5 ms apart, lasting 2, 3, 4, 5, 6, 2, 3, … ms (total 1200 ms, p50 4 ms, max 6 ms).
 */
function nPlusOneTrace(options: { failing?: readonly number[]; childEach?: boolean } = {}): ReadableSpan[] {
  memory.reset();
  ids.reset();
  const root = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: at(0), attributes: { 'http.route': '/orders' } });
  const ctx = trace.setSpan(context.active(), root);
  span('auth.verify', 1, 3, ctx);
  for (let i = 0; i < 300; i++) {
    const from = 5 + 5 * i;
    const failing = options.failing?.includes(i) === true;
    const query = span('SELECT items', from, from + 2 + (i % 5), ctx, {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.query.text': QUERY },
      ...(failing ? { error: 'canceling statement due to statement timeout' } : {}),
    });
    if (options.childEach === true) span('pool.acquire', from, from + 1, query);
  }
  span('render', 1510, 1518, ctx);
  root.end(at(1520));
  return memory.getFinishedSpans();
}

const plain = (width: number, extra: Partial<WaterfallOptions> = {}): WaterfallOptions => ({ width, color: false, serviceName: 'shop', ...extra });
const text = (lines: string[]): string => '\n' + lines.join('\n') + '\n';

describe('repeated siblings, folded', () => {
  it('prints the 300-query N+1 loop as a handful of lines (100 columns)', () => {
    const spans = nPlusOneTrace();
    expect(spans).toHaveLength(303);
    const lines = renderWaterfall(spans, plain(100));
    expect(text(lines)).toMatchInlineSnapshot(`
      "
      trace 4bf92f3577b34da6a3ce929d0e0e4731  shop                                    total 1.52 s
      GET /orders                  server   █████████████████████████████████████████████   1.52 s
        http.route=/orders
      ├─ auth.verify                        █                                                 2 ms
      ├─ SELECT items ×300         client   █████████████████████████████████████████████    1.5 s
      │    N+1  total 1.2 s  p50 4 ms  max 6 ms
      └─ render                                                                         █     8 ms
      "
    `);
    expect(lines.length).toBeLessThanOrEqual(8);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(100);
  });

  it('prints the same loop span by span with collapseRepeated: false', () => {
    const lines = renderWaterfall(nPlusOneTrace(), plain(100, { collapseRepeated: false }));
    expect(lines.filter((l) => l.includes('SELECT items'))).toHaveLength(300);
    expect(lines.join('\n')).not.toContain('×');
    expect(lines.join('\n')).not.toContain('N+1');
  });

  it('gives count, total, p50 (nearest rank) and max, and a bar from the first start to the last end', () => {
    const lines = renderWaterfall(nPlusOneTrace(), plain(160));
    const at = lines.findIndex((l) => l.includes('SELECT items'));
    const group = lines[at]!;
    expect(group).toContain('SELECT items ×300');
    // Wall time from the first start (5 ms) to the last end (1506 ms) in the duration column.
    expect(group).toMatch(/█ +1\.5 s$/);
    // The notes do not fit beside it at 160 columns: on the next line.
    expect(lines[at + 1]).toBe('│    N+1  total 1.2 s  p50 4 ms  max 6 ms');
    expect(renderWaterfall(nPlusOneTrace(), plain(200)).find((l) => l.includes('SELECT items'))).toMatch(/█ +1\.5 s {2}N\+1 {2}total 1\.2 s {2}p50 4 ms {2}max 6 ms$/);
    // Bars: the root spans 1520 ms over the whole column; the group from 5 ms to 1506 ms.
    const root = lines[1]!;
    const column = root.indexOf('█');
    const width = root.split('█').length - 1;
    const from = group.indexOf('█') - column;
    const length = group.split('█').length - 1;
    expect(from).toBe(Math.round((5 / 1520) * width));
    expect(from + length).toBe(Math.round((1506 / 1520) * width));
  });

  it('keeps failed members visible: counted on the group line and printed after it', () => {
    const lines = renderWaterfall(nPlusOneTrace({ failing: [17, 250] }), plain(100));
    expect(text(lines)).toMatchInlineSnapshot(`
      "
      trace 4bf92f3577b34da6a3ce929d0e0e4731  shop                                    total 1.52 s
      GET /orders                  server   █████████████████████████████████████████████   1.52 s
        http.route=/orders
      ├─ auth.verify                        █                                                 2 ms
      ├─ SELECT items ×300         client   █████████████████████████████████████████████    1.5 s
      │    N+1  total 1.2 s  p50 4 ms  max 6 ms  ✗ 2 errors (below)
      ├─ SELECT items              client      █                                              4 ms
      │    ✗ ERROR canceling statement due to statement timeout  db.system.name=postgresql
      ├─ SELECT items              client                                        █            2 ms
      │    ✗ ERROR canceling statement due to statement timeout  db.system.name=postgresql
      └─ render                                                                         █     8 ms
      "
    `);
    const failed = lines.filter((l) => l.includes('canceling statement'));
    expect(failed).toHaveLength(2);
  });

  it('shows at most 3 failed members when a whole loop fails, and never folds to save nothing', () => {
    const all = Array.from({ length: 300 }, (_, i) => i);
    const lines = renderWaterfall(nPlusOneTrace({ failing: all }), plain(100, { attributes: [] }));
    const at = lines.findIndex((l) => l.includes('×300'));
    expect(lines[at + 1]).toBe('│    N+1  total 1.2 s  p50 4 ms  max 6 ms  ✗ 300 errors (first 3 below)');
    expect(lines.filter((l) => l.includes('canceling statement'))).toHaveLength(3);
    expect(lines.length).toBeLessThanOrEqual(12);
    // Three of a kind, two failing: folding would print 3 lines for 3 spans; printed as they are.
    memory.reset();
    const root = span('job', 0, 100, undefined);
    for (let i = 0; i < 3; i++) span('call', i * 10, i * 10 + 5, root, i < 2 ? { error: 'x' } : {});
    const few = renderWaterfall(memory.getFinishedSpans(), plain(100));
    expect(few.join('\n')).not.toContain('×');
    expect(few.filter((l) => l.includes('█'))).toHaveLength(4);
  });

  it('says how many spans under folded members are not shown', () => {
    const lines = renderWaterfall(nPlusOneTrace({ childEach: true }), plain(160));
    expect(lines[lines.findIndex((l) => l.includes('×300')) + 1]).toBe('│    N+1  total 1.2 s  p50 4 ms  max 6 ms  +300 child spans');
    expect(lines.join('\n')).not.toContain('pool.acquire');
    // The children of a failed member stay under it.
    const withError = renderWaterfall(nPlusOneTrace({ childEach: true, failing: [3] }), plain(160));
    expect(withError[withError.findIndex((l) => l.includes('×300')) + 1]).toContain('✗ 1 error (below)  +299 child spans');
    expect(withError.filter((l) => l.includes('pool.acquire'))).toHaveLength(1);
  });

  it('marks N+1 from 5 near-identical children, not at 4', () => {
    for (const [count, marked] of [
      [3, false],
      [4, false],
      [5, true],
    ] as const) {
      memory.reset();
      const root = span('job', 0, 100, undefined);
      for (let i = 0; i < count; i++) span('GET', 10 + i * 10, 15 + i * 10, root, { kind: SpanKind.CLIENT, attributes: { 'url.full': 'http://api/users/1' } });
      const lines = renderWaterfall(memory.getFinishedSpans(), plain(160));
      expect(lines, `${count} children`).toHaveLength(4);
      expect(lines[2], `${count} children`).toMatch(new RegExp(`^└─ GET ×${count} +client +█+ +\\d+ ms$`));
      expect(lines[3], `${count} children`).toBe(`     ${marked ? 'N+1  ' : ''}total ${count * 5} ms  p50 5 ms  max 5 ms`);
    }
  });

  it('does not fold mixed siblings, pairs, or calls with different queries or URLs', () => {
    memory.reset();
    const root = span('job', 0, 100, undefined);
    span('a', 1, 2, root);
    span('b', 2, 3, root);
    span('a', 3, 4, root); // two of a: below the minimum of 3
    for (let i = 0; i < 3; i++) span('SELECT', 10 + i, 11 + i, root, { attributes: { 'db.query.text': `SELECT ${i}` } });
    for (let i = 0; i < 3; i++) span('GET', 20 + i, 21 + i, root, { kind: SpanKind.CLIENT, attributes: { 'url.full': `http://api/${i}` } });
    // Same name, different kinds.
    span('x', 30, 31, root, { kind: SpanKind.CLIENT });
    span('x', 31, 32, root, { kind: SpanKind.PRODUCER });
    span('x', 32, 33, root);
    const spans = memory.getFinishedSpans();
    const lines = renderWaterfall(spans, plain(100));
    expect(lines.filter((l) => l.includes('█'))).toHaveLength(spans.length);
    expect(lines.join('\n')).not.toContain('×');
  });

  it('folds non-consecutive repeats where the first one starts, and the older db.statement / http.url keys too', () => {
    memory.reset();
    const root = span('job', 0, 100, undefined);
    for (let i = 0; i < 3; i++) {
      span('GET', 10 + i * 20, 12 + i * 20, root, { kind: SpanKind.CLIENT, attributes: { 'http.url': 'http://old/api' } });
      span('query', 15 + i * 20, 18 + i * 20, root, { attributes: { 'db.statement': 'SELECT 1' } });
      span(`step ${i}`, 20 + i * 20, 21 + i * 20, root);
    }
    const lines = renderWaterfall(memory.getFinishedSpans(), plain(100, { attributes: [] }));
    expect(lines.filter((l) => l.includes('█')).map((l) => l.split(/ {2,}/)[0])).toEqual(['job', '├─ GET ×3', '├─ query ×3', '├─ step 0', '├─ step 1', '└─ step 2']);
  });

  it('takes a minimum count: collapseRepeated: 10 folds 10 repeats, not 9', () => {
    for (const [count, folded] of [
      [9, false],
      [10, true],
    ] as const) {
      memory.reset();
      const root = span('job', 0, 100, undefined);
      for (let i = 0; i < count; i++) span('tick', i, i + 1, root);
      const lines = renderWaterfall(memory.getFinishedSpans(), plain(100, { collapseRepeated: 10 }));
      expect(lines.length).toBe(folded ? 4 : count + 2);
    }
    expect([true, false, undefined, 2, 1, -4, 7.9, Number.NaN, Infinity].map(collapseMinimum)).toEqual([3, 0, 3, 2, 2, 2, 7, 3, 3]);
  });

  it('keeps the bar column proportional and the lines within the width, 60 to 200 columns', () => {
    for (const width of [60, 80, 100, 120, 160, 200]) {
      const lines = renderWaterfall(nPlusOneTrace({ failing: [5] }), plain(width, { viewerUrl: 'http://127.0.0.1:4318' }));
      const bar = lines[2]!.split('█').length - 1; // the root, under header and link
      expect(Math.abs(bar - 0.45 * width), `width ${width}`).toBeLessThanOrEqual(1);
      expect(lines[0]!.endsWith('total 1.52 s'), `width ${width}`).toBe(true);
      // Every line fits, but the link, which is never cut (62 columns here).
      for (const line of lines) if (!line.includes('#/trace/')) expect(displayWidth(line), `width ${width}: ${line}`).toBeLessThanOrEqual(width);
      expect(lines.length, `width ${width}`).toBeLessThanOrEqual(10);
    }
  });

  it('keeps hostile repeated names bounded, with the count always shown', () => {
    for (const name of ['evil\nname\x1b[31m\u202E', 'x'.repeat(10_000), '👩‍👩‍👧‍👦🇫🇷'.repeat(50), '名前'.repeat(100), '']) {
      memory.reset();
      const root = span('job', 0, 100, undefined);
      for (let i = 0; i < 40; i++) span(name, i, i + 2, root, { attributes: { 'db.query.text': name.repeat(3) } });
      for (const width of [60, 100, 200]) {
        const lines = renderWaterfall(memory.getFinishedSpans(), plain(width));
        expect(lines.length).toBeLessThanOrEqual(4); // header, root, group, its notes
        expect(lines.filter((l) => l.includes('█'))).toHaveLength(2);
        expect(lines[2]).toMatch(/×40 /);
        for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
        expect(lines.join('')).not.toMatch(/[\n\x1b\u202E]/);
      }
    }
  });
});

describe('viewer link', () => {
  it('prints each trace\'s link under its header, dimmed label only in colour', () => {
    memory.reset();
    ids.reset();
    span('first', 0, 10, undefined);
    span('second', 20, 30, undefined);
    const lines = renderWaterfall(memory.getFinishedSpans(), plain(80, { viewerUrl: 'http://127.0.0.1:4318/' }));
    expect(lines).toMatchInlineSnapshot(`
      [
        "trace 4bf92f3577b34da6a3ce929d0e0e4731  shop                         total 10 ms",
        "view http://127.0.0.1:4318/#/trace/4bf92f3577b34da6a3ce929d0e0e4731",
        "first                              ████████████████████████████████████    10 ms",
        "",
        "trace 4bf92f3577b34da6a3ce929d0e0e4732  shop                         total 10 ms",
        "view http://127.0.0.1:4318/#/trace/4bf92f3577b34da6a3ce929d0e0e4732",
        "second                             ████████████████████████████████████    10 ms",
      ]
    `);
    const coloured = renderWaterfall(memory.getFinishedSpans(), { width: 80, color: true, viewerUrl: 'http://127.0.0.1:4318' });
    expect(coloured[1]).toBe('\x1b[2mview \x1b[0mhttp://127.0.0.1:4318/#/trace/4bf92f3577b34da6a3ce929d0e0e4731');
  });

  it('never cuts the link: the label goes first when the width is small', () => {
    memory.reset();
    ids.reset();
    span('one', 0, 10, undefined);
    const lines = renderWaterfall(memory.getFinishedSpans(), plain(40, { viewerUrl: 'http://127.0.0.1:4318' }));
    expect(lines[1]).toBe('http://127.0.0.1:4318/#/trace/4bf92f3577b34da6a3ce929d0e0e4731');
  });

  it('strips control characters from the URL and ignores an empty one', () => {
    memory.reset();
    span('one', 0, 10, undefined);
    const lines = renderWaterfall(memory.getFinishedSpans(), plain(120, { viewerUrl: 'http://h\x1b[2J\n:1' }));
    expect(lines[1]).toMatch(/^view http:\/\/h\[2J :1\/#\/trace\//);
    expect(renderWaterfall(memory.getFinishedSpans(), plain(120, { viewerUrl: '  ' }))).toHaveLength(2);
    expect(renderWaterfall(memory.getFinishedSpans(), plain(120, { viewerUrl: 'http://x/' + 'a'.repeat(5000) }))).toHaveLength(2);
  });
});

describe('folding properties', () => {
  // A flat trace: a root and children drawn from a few keys, some failed.
  const child = fc.record({
    key: fc.nat(5),
    start: fc.nat(1_000),
    length: fc.nat(1_000),
    failed: fc.boolean(),
  });

  it('prints one line per key folded, plus its failed members, and a line per span of the others', () => {
    fc.assert(
      fc.property(fc.array(child, { maxLength: 60 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 60, max: 200 }), (children, min, width) => {
        memory.reset();
        const root = span('root', 0, 2_000, undefined);
        for (const c of children) {
          span(`op-${c.key % 3}`, c.start, c.start + c.length, root, {
            attributes: c.key >= 3 ? { 'db.query.text': `q${c.key}` } : {},
            ...(c.failed ? { error: 'boom' } : {}),
          });
        }
        const lines = renderWaterfall(memory.getFinishedSpans(), plain(width, { collapseRepeated: min, attributes: [] }));
        const perKey = new Map<number, { n: number; failed: number }>();
        for (const c of children) {
          const entry = perKey.get(c.key) ?? { n: 0, failed: 0 };
          entry.n++;
          if (c.failed) entry.failed++;
          perKey.set(c.key, entry);
        }
        let expected = 1; // the root
        for (const { n, failed } of perKey.values()) {
          const shown = Math.min(failed, 3);
          expected += n >= min && n - shown >= 2 ? 1 + shown : n;
        }
        const barLines = lines.filter((l) => l.includes('█'));
        expect(barLines).toHaveLength(expected);
        // Bounded by the distinct keys, whatever the number of spans: each key prints at most
        // min - 1 lines unfolded, or one line plus at most 3 failed members.
        expect(barLines.length).toBeLessThanOrEqual(1 + perKey.size * Math.max(min - 1, 4));
        expect(barLines.length).toBeLessThanOrEqual(1 + children.length);
        // And any span's notes take at most one more line.
        expect(lines.length).toBeLessThanOrEqual(1 + 2 * barLines.length);
        for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
      }),
      { numRuns: 150 },
    );
  });

  it('groups add up: totals are the sums of durations, p50 and max are order statistics, every span once', () => {
    fc.assert(
      fc.property(fc.array(child, { minLength: 1, maxLength: 80 }), fc.integer({ min: 2, max: 6 }), (children, min) => {
        memory.reset();
        const root = span('root', 0, 2_000, undefined);
        for (const c of children) span(`op-${c.key % 2}`, c.start, c.start + c.length, root, c.failed ? { error: 'boom' } : {});
        const [tree] = buildSpanForest(memory.getFinishedSpans(), true);
        const items = collapseSiblings(tree!.children, min, (n) => n.span.name);
        const seen = new Map<unknown, number>();
        for (const item of items) {
          if (item.type === 'span') {
            seen.set(item.node, (seen.get(item.node) ?? 0) + 1);
            continue;
          }
          expect(item.members.length).toBeGreaterThanOrEqual(min);
          const durations = item.members.map((m) => m.end - m.start).sort((a, b) => a - b);
          expect(item.total).toBe(durations.reduce((a, b) => a + b, 0));
          expect(item.max).toBe(durations.at(-1));
          expect(item.p50).toBe(durations[Math.ceil(durations.length / 2) - 1]);
          expect(item.start).toBe(Math.min(...item.members.map((m) => m.start)));
          expect(item.end).toBe(Math.max(...item.members.map((m) => m.end)));
          expect(item.nPlusOne).toBe(item.members.length >= 5);
          const failed = item.members.filter((m) => m.span.status.code === SpanStatusCode.ERROR);
          expect(item.errorCount).toBe(failed.length);
          expect(item.shownErrors).toEqual(failed.slice(0, 3));
          expect(item.members.length - item.shownErrors.length).toBeGreaterThanOrEqual(2);
          for (const m of item.members) if (!item.shownErrors.includes(m)) seen.set(m, (seen.get(m) ?? 0) + 1);
          // The printed total is the sum, formatted.
          const lines = renderWaterfall(memory.getFinishedSpans(), plain(200, { collapseRepeated: min, attributes: [] }));
          expect(lines.join('\n')).toContain(`total ${formatDuration(item.total)}  p50 ${formatDuration(item.p50)}  max ${formatDuration(item.max)}`);
        }
        expect(seen.size).toBe(children.length);
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, HrTime, SpanContext, Tracer } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { IdGenerator, ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth, graphemeWidth, sanitizeText, truncateToWidth } from '../../src/exporters/waterfall/display-width.js';
import { formatDuration } from '../../src/exporters/waterfall/format-duration.js';
import { renderWaterfall } from '../../src/exporters/waterfall/render.js';
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
  options: { kind?: SpanKind; attributes?: Record<string, string | number>; error?: string } = {},
) {
  const s = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, startTime: at(from), attributes: options.attributes }, parent ?? context.active());
  if (options.error !== undefined) s.setStatus({ code: SpanStatusCode.ERROR, message: options.error });
  s.end(at(to));
  return trace.setSpan(context.active(), s);
}

/** The trace of the README: a checkout request with three calls, one failing. */
function checkoutTrace(): ReadableSpan[] {
  memory.reset();
  ids.reset();
  const root = tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER,
    startTime: at(0),
    attributes: { 'http.route': '/checkout', 'http.response.status_code': 502 },
  });
  const ctx = trace.setSpan(context.active(), root);
  span('auth.verify', 2, 50, ctx);
  span('inventory.check', 55, 116, ctx, { kind: SpanKind.CLIENT, attributes: { 'http.response.status_code': 200 } });
  const pay = span('payment.charge', 125, 906, ctx, { kind: SpanKind.CLIENT, error: 'card declined' });
  span('fraud.score', 130, 180.5, pay, { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': 'fraud' } });
  root.setStatus({ code: SpanStatusCode.ERROR });
  root.end(at(912));
  return memory.getFinishedSpans();
}

describe('renderWaterfall', () => {
  it('prints the tree, bars, kinds, durations, errors and attributes (80 columns, plain)', () => {
    expect('\n' + renderWaterfall(checkoutTrace(), { width: 80, color: false }).join('\n') + '\n').toMatchInlineSnapshot(`
      "
      trace 4bf92f3577b34da6a3ce929d0e0e4731  checkout-api                total 912 ms
      GET /checkout             server   ████████████████████████████████████   912 ms
        ✗ ERROR  http.route=/checkout  http.response.status_code=502
      ├─ auth.verify                     ██                                      48 ms
      ├─ inventory.check        client     ███                                   61 ms
      │    http.response.status_code=200
      └─ payment.charge         client        ███████████████████████████████   781 ms
           ✗ ERROR card declined
         └─ fraud.score         producer      ██                               50.5 ms
              messaging.destination.name=fraud
      "
    `);
  });

  it('puts notes on the span line when the terminal is wide enough (140 columns)', () => {
    expect('\n' + renderWaterfall(checkoutTrace(), { width: 140, color: false, attributes: [] }).join('\n') + '\n').toMatchInlineSnapshot(`
      "
      trace 4bf92f3577b34da6a3ce929d0e0e4731  checkout-api                                                     total 912 ms
      GET /checkout                       server   ███████████████████████████████████████████████████████████████   912 ms  ✗ ERROR
      ├─ auth.verify                               ███                                                                48 ms
      ├─ inventory.check                  client       ████                                                           61 ms
      └─ payment.charge                   client            ██████████████████████████████████████████████████████   781 ms  ✗ ERROR card declined
         └─ fraud.score                   producer          ███                                                     50.5 ms
      "
    `);
  });

  it('colours with ANSI codes only when asked', () => {
    const lines = renderWaterfall(checkoutTrace(), { width: 80, color: true, attributes: [] });
    expect(lines).toMatchInlineSnapshot(`
      [
        "[2mtrace [0m4bf92f3577b34da6a3ce929d0e0e4731  [1mcheckout-api              [0m  total 912 ms",
        "[1mGET /checkout            [0m [2mserver  [0m [31m████████████████████████████████████[0m   912 ms",
        "[2m  [0m[31m✗ ERROR[0m",
        "[2m├─ [0mauth.verify                     [36m██[0m                                      48 ms",
        "[2m├─ [0minventory.check        [2mclient  [0m   [36m███[0m                                   61 ms",
        "[2m└─ [0mpayment.charge         [2mclient  [0m      [31m███████████████████████████████[0m   781 ms",
        "[2m     [0m[31m✗ ERROR card declined[0m",
        "[2m   └─ [0mfraud.score         [2mproducer[0m      [36m██[0m                               50.5 ms",
      ]
    `);
    const plain = renderWaterfall(checkoutTrace(), { width: 80, color: false, attributes: [] });
    expect(lines.map(stripAnsi)).toEqual(plain);
    expect(plain.join('')).not.toContain('\x1b');
  });

  it('marks spans whose parent is remote or missing, and still prints them', () => {
    memory.reset();
    const remote: SpanContext = { traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true };
    const fromUpstream = trace.setSpanContext(context.active(), remote);
    span('GET /orders', 0, 40, fromUpstream, { kind: SpanKind.SERVER });
    const missing: SpanContext = { ...remote, spanId: '1111111111111111', isRemote: false };
    span('late.callback', 10, 20, trace.setSpanContext(context.active(), missing));
    expect(renderWaterfall(memory.getFinishedSpans(), { width: 80, color: false, serviceName: 'orders' })).toMatchInlineSnapshot(`
      [
        "trace aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  orders                       total 40 ms",
        "GET /orders               server   ████████████████████████████████████    40 ms",
        "  ↳ remote parent",
        "late.callback                               █████████                      10 ms",
        "  (parent missing)",
      ]
    `);
  });

  it('keeps the bar column proportional to the width, and the total above the durations (60 to 200 columns)', () => {
    for (const width of [60, 80, 100, 120, 160, 200]) {
      const lines = renderWaterfall(checkoutTrace(), { width, color: false, attributes: [] });
      const root = lines[1]!;
      const bar = root.split('█').length - 1; // the root spans the whole trace: its bar is the column
      expect(Math.abs(bar - 0.45 * width), `width ${width}`).toBeLessThanOrEqual(1);
      const durationsEnd = root.indexOf('912 ms') + '912 ms'.length;
      expect(lines[0]!.endsWith('total 912 ms'), `width ${width}`).toBe(true);
      expect(displayWidth(lines[0]!), `width ${width}`).toBe(durationsEnd);
    }
  });

  it('shows a route-less server span with its path, for display only', () => {
    memory.reset();
    span('GET', 0, 10, undefined, { kind: SpanKind.SERVER, attributes: { 'url.path': '/healthz' } });
    span('GET', 20, 30, undefined, { kind: SpanKind.SERVER, attributes: { 'url.path': '/users/7', 'http.route': '/users/:id' } });
    span('GET', 40, 50, undefined, { kind: SpanKind.CLIENT, attributes: { 'url.path': '/x' } });
    const lines = renderWaterfall(memory.getFinishedSpans(), { width: 80, color: false, attributes: [] }).filter((l) => l.includes('█'));
    expect(lines.map((l) => l.split('  ')[0])).toEqual(['GET /healthz', 'GET', 'GET']);
    expect(memory.getFinishedSpans().map((s) => s.name)).toEqual(['GET', 'GET', 'GET']);
  });

  it('separates traces by an empty line, in order of start', () => {
    memory.reset();
    span('second', 50, 60, undefined);
    span('first', 0, 10, undefined);
    const lines = renderWaterfall(memory.getFinishedSpans(), { width: 60, color: false });
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^first /);
    expect(lines[2]).toBe('');
    expect(lines[4]).toMatch(/^second /);
  });

  it('cuts long, wide and hostile names by display width, never breaking a line', () => {
    memory.reset();
    ids.reset();
    const root = trace.setSpan(context.active(), tracer.startSpan('root', { startTime: at(0) }));
    span('名前が長いスパン名前が長いスパン名前が長いスパン', 1, 2, root);
    span('evil\nname\x1b[31m\u202Ereversed\ttab', 2, 3, root);
    span('👩‍👩‍👧‍👦 family e\u0301te\u0301 🇫🇷', 3, 4, root);
    trace.getSpan(root)!.end(at(5));
    const lines = renderWaterfall(memory.getFinishedSpans(), { width: 80, color: false, attributes: [] });
    expect(lines).toMatchInlineSnapshot(`
      [
        "trace 4bf92f3577b34da6a3ce929d0e0e4731  checkout-api                  total 5 ms",
        "root                               ████████████████████████████████████     5 ms",
        "├─ 名前が長いスパン名前…                  ███████                           1 ms",
        "├─ evil name[31mreversed…                        ████████                   1 ms",
        "└─ 👩👩👧👦 family été 🇫🇷                                ███████            1 ms",
      ]
    `);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    expect(lines.join('')).not.toMatch(/[\n\x1b\u202E]/);
  });
});

describe('text helpers', () => {
  it('measure wide, zero-width and emoji graphemes', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('中文')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('🇫🇷')).toBe(2);
    expect(displayWidth('👍🏽')).toBe(2);
    expect(truncateToWidth('中文字', 4)).toBe('中…');
    expect(truncateToWidth('abcdef', 4)).toBe('abc…');
    expect(truncateToWidth('abc', 3)).toBe('abc');
    expect(sanitizeText('a\nb\r\nc\x00d\x1b[2Je\u202Ef\uD800')).toBe('a b cd[2Jef\uFFFD');
  });

  it('measure the drawing characters by the fast path exactly as grapheme by grapheme', () => {
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const pieces = ['a', ' ', '─', '│', '├', '└', '█', '…', '×', '✗', 'µ', '\u0301', '中', '👍', '\uFE0F'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        let expected = 0;
        for (const { segment } of segmenter.segment(text)) expected += graphemeWidth(segment);
        expect(displayWidth(text)).toBe(expected);
      }),
      { numRuns: 300 },
    );
    expect(displayWidth('├─ SELECT items ×300 █████ 1.5 µs ✗ …')).toBe(37);
  });

  it('format durations in µs, ms and s', () => {
    expect(formatDuration(0)).toBe('0 ns');
    expect(formatDuration(850)).toBe('850 ns');
    expect(formatDuration(12_500)).toBe('12.5 µs');
    expect(formatDuration(999_999)).toBe('1 ms');
    expect(formatDuration(4_250_000)).toBe('4.25 ms');
    expect(formatDuration(48_000_000)).toBe('48 ms');
    expect(formatDuration(912_400_000)).toBe('912 ms');
    expect(formatDuration(1_234_000_000)).toBe('1.23 s');
    expect(formatDuration(125_000_000_000)).toBe('2m 05s');
    expect(formatDuration(3 * 3600e9 + 7 * 60e9)).toBe('3h 07m');
    expect(formatDuration(-5)).toBe('0 ns');
  });
});

// eslint-disable-next-line no-control-regex
const stripAnsi = (line: string): string => line.replace(/\x1b\[[0-9;]*m/g, '');

describe('renderWaterfall properties', () => {
  // Any text but the bar character itself, which the property below counts.
  const anyName = fc
    .oneof(
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom('', '\n\n', '\x1b[2J', '名前'.repeat(40), '👩‍👩‍👧‍👦'.repeat(20), 'e\u0301'.repeat(50), '\u202E\u2066x'),
    )
    .map((s) => s.replaceAll('█', '#'));
  const spanSpec = fc.record({
    name: anyName,
    parent: fc.nat(40),
    start: fc.nat(10_000),
    length: fc.nat(10_000),
    kind: fc.constantFrom(SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER),
    error: fc.option(anyName, { nil: undefined }),
    attr: fc.option(anyName, { nil: undefined }),
    orphan: fc.constantFrom('none', 'remote', 'missing'),
  });

  it('never throws, prints every span, and every line fits the width', () => {
    fc.assert(
      fc.property(fc.array(spanSpec, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 220 }), fc.boolean(), fc.constantFrom(false, true, 2), (specs, width, color, collapseRepeated) => {
        memory.reset();
        const contexts: Context[] = [];
        for (const spec of specs) {
          let parent: Context | undefined = contexts.length > 0 ? contexts[spec.parent % contexts.length] : undefined;
          if (spec.orphan !== 'none') {
            const remote: SpanContext = {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'b7ad6b7169203331',
              traceFlags: TraceFlags.SAMPLED,
              isRemote: spec.orphan === 'remote',
            };
            parent = trace.setSpanContext(context.active(), remote);
          }
          contexts.push(
            span(spec.name, spec.start, spec.start + spec.length, parent, {
              kind: spec.kind,
              ...(spec.error === undefined ? {} : { error: spec.error }),
              ...(spec.attr === undefined ? {} : { attributes: { 'http.route': spec.attr } }),
            }),
          );
        }
        const spans = memory.getFinishedSpans();
        const lines = renderWaterfall(spans, { width, color, collapseRepeated });
        for (const line of lines) {
          const plain = stripAnsi(line);
          expect(displayWidth(plain)).toBeLessThanOrEqual(width);
          expect(plain).not.toMatch(/[\n\r\x1b\u202E]/);
        }
        // One bar line per span (count lines carrying a duration column), or fewer when folded.
        const bars = lines.filter((l) => l.includes('█')).length;
        if (width >= 40 && collapseRepeated === false) expect(bars).toBe(spans.length);
        if (width >= 40) expect(bars).toBeLessThanOrEqual(spans.length);
      }),
      { numRuns: 200 },
    );
  });

  it('survives parent cycles and duplicate ids (malformed input)', () => {
    const mk = (id: string, parent: string | undefined): ReadableSpan =>
      ({
        name: `span-${id}`,
        kind: SpanKind.INTERNAL,
        spanContext: () => ({ traceId: 'f'.repeat(32), spanId: id, traceFlags: 1 }),
        parentSpanContext: parent === undefined ? undefined : { traceId: 'f'.repeat(32), spanId: parent, traceFlags: 1 },
        startTime: at(0),
        endTime: at(1),
        status: { code: SpanStatusCode.UNSET },
        attributes: {},
        links: [],
        events: [],
        duration: [0, 1e6],
        ended: true,
        resource: { attributes: {} },
        instrumentationScope: { name: 'x' },
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
      }) as unknown as ReadableSpan;
    const spans = [mk('a', 'b'), mk('b', 'a'), mk('c', 'c'), mk('d', 'a'), mk('d', undefined)];
    const lines = renderWaterfall(spans, { width: 60, color: false });
    for (const name of ['span-a', 'span-b', 'span-c']) expect(lines.filter((l) => l.includes(name))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('span-d'))).toHaveLength(2);
  });
});

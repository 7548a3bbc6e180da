// How the demo shows a trace the receiver assembled: the console exporter's waterfall
// (renderWaterfall from tracelight/sdk) over the spans of all three processes, the service of
// each span beside it; and what would make the trace not one whole tree.
import { DEFAULT_WATERFALL_ATTRIBUTES, renderWaterfall } from 'tracelight/sdk';

/** A span as the receiver sends it, in the shape renderWaterfall reads (an SDK ReadableSpan). */
function toReadableSpan(s) {
  const hrTime = (nanos) => {
    const n = BigInt(nanos);
    return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
  };
  return {
    name: s.name,
    kind: Math.max(0, s.kind - 1), // OTLP counts kinds from 1 (internal), the API from 0
    spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: 1 }),
    parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1, isRemote: false } : undefined,
    startTime: hrTime(s.start),
    endTime: hrTime(s.end),
    status: s.status,
    // Shown after each span: which process recorded it.
    attributes: { 'service.name': s.resource['service.name'], ...s.attributes },
    events: s.events,
    links: [],
    resource: { attributes: s.resource },
  };
}

/** The services a trace's spans came from, in the order they joined it. */
function servicesOf(spans) {
  const byStart = [...spans].sort((a, b) => (BigInt(a.start) < BigInt(b.start) ? -1 : 1));
  return [...new Set(byStart.map((s) => s.resource['service.name']))];
}

/** The lines of one trace's waterfall. */
export function waterfallLines(spans, { width, color }) {
  return renderWaterfall(spans.map(toReadableSpan), {
    width,
    color,
    serviceName: servicesOf(spans).join(' → '),
    attributes: ['service.name', ...DEFAULT_WATERFALL_ATTRIBUTES],
  });
}

/** What keeps a trace from being one tree across `services`, or `undefined` when nothing does. */
export function shapeProblem(spans, services) {
  if (spans.length === 0) return 'no spans arrived';
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId).length;
  const orphans = spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).length;
  if (roots !== 1 || orphans > 0) return `${roots} root(s) and ${orphans} span(s) whose parent never arrived`;
  const seen = new Set(spans.map((s) => s.resource['service.name']));
  const missing = services.filter((name) => !seen.has(name));
  if (missing.length > 0) return `no spans from ${missing.join(', ')}`;
  return undefined;
}

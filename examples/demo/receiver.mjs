// The demo's trace receiver: a tiny OTLP/HTTP collector (JSON encoding) on loopback. The three
// services export their spans here; the demo asks for a trace by id and gets all its spans, from
// every process, once the trace is complete: one root, every span's parent present, spans of
// every service expected, and no new span for a moment.
import { createServer } from 'node:http';
import { onStop, readBody, ready } from './service.mjs';

const SETTLE_MS = 300;
const traces = new Map(); // traceId -> { spans: [], lastAt }
const waiting = new Set(); // { traceId, services, deadline }

/** An OTLP `AnyValue` as a plain value. */
function value(v = {}) {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(value);
  return null;
}

function attributes(list = []) {
  return Object.fromEntries(list.map((kv) => [kv.key, value(kv.value)]));
}

function accept(request) {
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const s of scopeSpans.spans ?? []) {
        const span = {
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          name: s.name,
          kind: s.kind ?? 0,
          start: String(s.startTimeUnixNano),
          end: String(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource,
        };
        if (!traces.has(span.traceId)) traces.set(span.traceId, { spans: [], lastAt: 0 });
        const trace = traces.get(span.traceId);
        trace.spans.push(span);
        trace.lastAt = Date.now();
      }
    }
  }
}

function isComplete(trace, services) {
  if (trace === undefined || Date.now() - trace.lastAt < SETTLE_MS) return false;
  const ids = new Set(trace.spans.map((s) => s.spanId));
  const roots = trace.spans.filter((s) => s.parentSpanId === undefined);
  const orphans = trace.spans.filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId));
  const seen = new Set(trace.spans.map((s) => s.resource['service.name']));
  return roots.length === 1 && orphans.length === 0 && services.every((name) => seen.has(name));
}

/** Answers the demo's questions whose trace is complete, or whose time is up. */
function answer() {
  for (const question of waiting) {
    const trace = traces.get(question.traceId);
    const complete = isComplete(trace, question.services);
    if (complete || Date.now() >= question.deadline) {
      waiting.delete(question);
      process.send({ trace: question.traceId, complete, spans: trace?.spans ?? [] });
    }
  }
}
setInterval(answer, 50).unref();

process.on('message', (message) => {
  if (typeof message?.await !== 'string') return;
  waiting.add({ traceId: message.await, services: message.services ?? [], deadline: Date.now() + (message.timeoutMs ?? 10_000) });
});

const server = createServer(async (req, res) => {
  const body = await readBody(req);
  if (req.method !== 'POST' || !req.url.startsWith('/v1/traces')) return res.writeHead(404).end();
  if (!String(req.headers['content-type']).startsWith('application/json')) {
    return res.writeHead(415).end('this receiver takes OTLP/HTTP JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)');
  }
  try {
    accept(JSON.parse(body));
  } catch {
    return res.writeHead(400).end('not OTLP JSON');
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});

server.listen(0, '127.0.0.1', () => ready({ url: `http://127.0.0.1:${server.address().port}` }));
onStop(() => {
  server.close();
});

// Type-checked against the installed tarball by .ci/pack-smoke: the public API as users write it.
import { SpanKind } from '@opentelemetry/api';
import {
  init,
  withSpan,
  traced,
  logFields,
  currentTraceIds,
  injectContext,
  extractContext,
  withContext,
  ConsoleWaterfallExporter,
  type TracelightHandle,
  type TracelightOptions,
  type TracelightStats,
  type LogTraceFields,
} from 'tracelight';
import { setupTestTracing, type PlainSpan } from 'tracelight/testing';
import { traceHandler, enableHttpInstrumentation, type HttpInstrumentationOptions } from 'tracelight/http';
import { createServer } from 'node:http';

const options: TracelightOptions = {
  serviceName: 'consumer',
  exporter: ['console', new ConsoleWaterfallExporter({ color: false })],
  sampler: 0.5,
  redact: { keys: ['x-secret'] },
  instrumentations: { http: { ignoreIncoming: ['/healthz'] } },
};
const handle: TracelightHandle = init(options);
const stats: TracelightStats = handle.stats();
const n: number = stats.dropped.queueFull;
const value: Promise<number> = withSpan('work', { kind: SpanKind.INTERNAL }, async (span) => {
  span.setAttribute('k', 1);
  return 1;
});
const sync: string = withSpan('sync', () => 'x');
const add = traced('add', (a: number, b: number) => a + b);
const sum: number = add(1, 2);
const fields: LogTraceFields = logFields();
const ids = currentTraceIds();
const carrier = injectContext({} as Record<string, string>);
withContext(extractContext(carrier), () => undefined);
const httpOptions: HttpInstrumentationOptions = { ignoreOutgoing: [/collector/] };
const disable: () => void = enableHttpInstrumentation(httpOptions);
createServer(traceHandler((_req, res) => res.end('ok')));
const spans: PlainSpan[] = setupTestTracing().spans();
void [n, value, sync, sum, fields, ids, disable, spans];

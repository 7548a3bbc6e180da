// Type-checked against the installed tarball by .ci/pack-smoke: the public API as users write it.
import { SpanKind } from '@opentelemetry/api';
import {
  init,
  withSpan,
  traced,
  logFields,
  injectContext,
  extractContext,
  type TracelightHandle,
  type TracelightOptions,
  type TracelightStats,
  type LogTraceFields,
} from 'tracelight';
import {
  createConsoleExporter,
  createOtlpExporter,
  createBatchSpanProcessor,
  parseTraceParent,
  parseTraceState,
  type ConsoleExporter,
  type BatchSpanProcessorStats,
} from 'tracelight/sdk';
import { setupTestTracing, type PlainSpan } from 'tracelight/testing';
import { traceHandler, enableHttpInstrumentation, type HttpInstrumentationOptions } from 'tracelight/http';
import { tracePublish, traceConsume, type MessagingInfo } from 'tracelight/queue';
import { createServer } from 'node:http';

const options: TracelightOptions = {
  serviceName: 'consumer',
  exporter: ['console', createConsoleExporter({ color: false })],
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
const carrier = injectContext({} as Record<string, string>);
const handled: Promise<void> = withSpan('handle', { parent: extractContext(carrier), kind: SpanKind.CONSUMER }, async () => {});
const waterfall: ConsoleExporter = createConsoleExporter();
const processor = createBatchSpanProcessor(createOtlpExporter({ endpoint: 'http://127.0.0.1:4318' }));
const processorStats: BatchSpanProcessorStats = processor.stats();
const parent = parseTraceParent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
const state: string = parseTraceState('a=1').set('b', '2').serialize();
const httpOptions: HttpInstrumentationOptions = { ignoreOutgoing: [/collector/] };
const disable: () => void = enableHttpInstrumentation(httpOptions);
createServer(traceHandler((_req, res) => res.end('ok')));
const spans: PlainSpan[] = setupTestTracing().spans();
const orders: MessagingInfo = { system: 'kafka', destination: 'orders' };
const sent: boolean = tracePublish(orders, (headers: Record<string, string>) => headers['traceparent'] !== undefined);
const processed: Promise<number> = traceConsume(orders, {}, async () => 1);
void [sent, processed, n, value, sync, sum, fields, handled, waterfall, processorStats, parent, state, disable, spans];

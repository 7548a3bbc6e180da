/**
 * One configuration of bench/span.bench.ts, run for a given number of calls in the yielding loop
 * (await setImmediate every 256 calls), for bench/instructions/span.sh to count instructions:
 *   node span-ops.mjs <official|tracelight|als|direct> <sync|async> <calls> [yield|tight]
 * Prints the spans ended/exported at the end so a run that dropped spans is seen.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { init } from '../../src/index.js';
import { withSpan } from '../../src/span/with-span.js';
import { asyncWork, DiscardExporter, work } from '../lib.js';



const [mode, kind, callsArg, loop = 'yield'] = process.argv.slice(2);
const every = loop === 'tight' ? 0x7fffffff : 255;
const calls = Number(callsArg);
const exporter = new DiscardExporter();
let body: () => unknown;
let flush = (): Promise<unknown> => Promise.resolve();
let report = (): string => '';
if (mode === 'official') {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer('bench');
  body =
    kind === 'sync'
      ? () => tracer.startActiveSpan('op', (span: Span) => { const r = work(); span.end(); return r; })
      : () => tracer.startActiveSpan('op', async (span: Span) => { const r = await asyncWork(); span.end(); return r; });
  flush = () => provider.forceFlush();
  report = () => `exported ${exporter.spans}`;
} else if (mode === 'tracelight') {
  const handle = init({ exporter, serviceName: 'bench', flushOnExit: false });
  body = kind === 'sync' ? () => withSpan('op', work) : () => withSpan('op', asyncWork);
  flush = () => handle.forceFlush();
  report = () => { const s = handle.stats(); return `ended ${s.spansEnded} exported ${s.exported} dropped ${s.dropped.queueFull + s.dropped.exportFailed + s.dropped.shutdown}`; };
} else if (mode === 'als') {
  const als = new AsyncLocalStorage<object>();
  const fn: () => unknown = kind === 'sync' ? work : asyncWork;
  body = () => als.run(ROOT_CONTEXT, fn);
} else {
  body = kind === 'sync' ? work : asyncWork;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
if (kind === 'sync') {
  for (let i = 0; i < calls; i++) {
    body();
    if ((i & every) === every) await yieldToLoop();
  }
} else {
  for (let i = 0; i < calls; i++) {
    await body();
    if ((i & every) === every) await yieldToLoop();
  }
}
await flush();
console.log(`${mode} ${kind} ${calls}: ${report()}`);

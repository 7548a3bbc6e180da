// A minimal http server for bench/instructions/run.sh: `node server.mjs <mode>` prints `PORT <n>`.
// Modes: untraced | als (one AsyncLocalStorage.run per request, nothing else) | traced
// (tracelight init() from dist/, discarding exporter) | official (NodeTracerProvider +
// instrumentation-http). FETCH=1: each request makes one fetch to http://127.0.0.1:$DOWNSTREAM_PORT/.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';

const mode = process.argv[2];
const require = createRequire(new URL('../../package.json', import.meta.url));
const discard = { export: (_s, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
let wrap = (handler) => handler;
if (mode === 'als') {
  const als = new AsyncLocalStorage();
  wrap = (handler) => (req, res) => als.run({ req }, handler, req, res);
} else if (mode === 'traced') {
  const { init } = await import(new URL('../../dist/index.js', import.meta.url).href);
  init({ serviceName: 'bench', exporter: discard, instrumentations: { http: true } });
} else if (mode === 'official') {
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');
  new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] }).register();
  registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()] });
} else if (mode !== 'untraced') {
  throw new Error(`unknown mode ${mode}`);
}
const http = require('node:http');
const downstream = `http://127.0.0.1:${process.env.DOWNSTREAM_PORT ?? 5999}/`;
const handler =
  process.env.FETCH === '1'
    ? async (_req, res) => {
        const text = await (await fetch(downstream)).text();
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(text);
      }
    : (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      };
const server = http.createServer(wrap(handler));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log('PORT', server.address().port));

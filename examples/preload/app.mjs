// Preload: this app has no tracing code at all. `--import tracelight/register` starts tracing
// from the environment before the app runs, with the http and Express instrumentations on.
// Run: OTEL_SERVICE_NAME=preload-example OTEL_TRACES_EXPORTER=console node --import tracelight/register examples/preload/app.mjs
// (without OTEL_TRACES_EXPORTER=console, spans go to an OTLP collector at localhost:4318)
import { createServer } from 'node:http';

const server = createServer((req, res) => res.end(`hello from ${req.url}`));
server.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));

const response = await fetch(`http://127.0.0.1:${server.address().port}/hello`);
console.log(response.status, await response.text());
server.close();
// Nothing else: tracelight flushes the pending spans as the process ends.

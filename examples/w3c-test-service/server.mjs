// W3C Trace Context test service built on tracelight's public API.
//   PORT=5000 node examples/w3c-test-service/server.mjs
// then, from the w3c/trace-context repository's test/ folder:
//   STRICT_LEVEL=2 SPEC_LEVEL=2 python3 test.py http://127.0.0.1:5000/test
import { init } from 'tracelight';
import { startW3cService } from './service.mjs';

init({ serviceName: 'w3c-test-service', exporter: 'none', instrumentations: { http: true } });

const server = await startW3cService({ port: Number(process.env.PORT ?? 5000) });
console.log(`w3c test service listening on http://127.0.0.1:${server.address().port}/test`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// The smoke app of .ci/pack-gens, run in a fresh project where the packed tracelight was
// installed with a plain `npm install`: init(), withSpan, an http server and client span, the
// generation's current instrumentation-pg against the local PostgreSQL, OTLP export to a loopback
// receiver that decodes it with the official schema. Exits 1 with the reason when anything is off.
'use strict';
const { fork } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');

function fail(message) {
  console.error(`FAILED: ${message}`);
  process.exit(1);
}
const version = (name) => {
  for (let dir = path.dirname(require.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = require(path.join(dir, 'package.json'));
      if (pkg.name === name) return pkg.version;
    } catch {}
  }
  return '?';
};

async function main() {
  const receiver = fork(path.join(__dirname, 'receiver.cjs'), { stdio: 'inherit' });
  const received = [];
  const port = await new Promise((resolve) =>
    receiver.on('message', (m) => (m.port ? resolve(m.port) : received.push(...m.spans))),
  );

  const { init, withSpan } = require('tracelight');
  const handle = init({
    serviceName: 'gen-smoke',
    exporter: 'otlp',
    otlp: { endpoint: `http://127.0.0.1:${port}` },
    instrumentations: { http: true },
  });
  // The app's own instrumentation, from its generation; it speaks to tracelight through the API.
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg');
  new PgInstrumentation();
  const pg = require('pg');

  const server = http.createServer((req, res) => res.end('ok'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const rows = await withSpan('smoke', async () => {
    await new Promise((resolve, reject) =>
      http.get(`http://127.0.0.1:${server.address().port}/hello`, (res) => res.resume().on('end', resolve)).on('error', reject),
    );
    const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await client.connect();
    try {
      return (await client.query('SELECT 1 AS one')).rows;
    } finally {
      await client.end();
    }
  });
  server.close();
  await handle.shutdown();
  await new Promise((r) => setTimeout(r, 200));
  receiver.disconnect();

  if (rows[0]?.one !== 1) fail(`SELECT 1 answered ${JSON.stringify(rows)}`);
  const byName = (name) => received.find((s) => s.name === name);
  const root = byName('smoke');
  if (!root) fail(`no 'smoke' span among ${JSON.stringify(received.map((s) => s.name))}`);
  const client = received.find((s) => s.kind === 3 && s.scope === 'tracelight/http');
  const serverSpan = received.find((s) => s.kind === 2 && s.scope === 'tracelight/http');
  const pgQuery = received.find((s) => s.scope === '@opentelemetry/instrumentation-pg' && s.attributes['db.query.text'] === 'SELECT 1 AS one')
    ?? received.find((s) => s.scope === '@opentelemetry/instrumentation-pg' && /SELECT/.test(s.name));
  if (!client || client.parentSpanId !== root.spanId) fail(`no http CLIENT span under 'smoke': ${JSON.stringify(received)}`);
  if (!serverSpan || serverSpan.parentSpanId !== client.spanId) fail(`no http SERVER span under the CLIENT span: ${JSON.stringify(received)}`);
  if (!pgQuery || pgQuery.parentSpanId !== root.spanId) fail(`no instrumentation-pg query span under 'smoke': ${JSON.stringify(received)}`);
  if (received.some((s) => s.traceId !== root.traceId)) fail('spans of more than one trace');
  if (root.service !== 'gen-smoke') fail(`service.name is ${root.service}`);
  console.log(
    `ok: api ${version('@opentelemetry/api')}, sdk-trace ${version('@opentelemetry/sdk-trace')}, core ${version('@opentelemetry/core')}, ` +
      `resources ${version('@opentelemetry/resources')}, exporter-trace-otlp-proto ${version('@opentelemetry/exporter-trace-otlp-proto')}, ` +
      `instrumentation-pg ${version('@opentelemetry/instrumentation-pg')}, pg ${version('pg')}, node ${process.version}`,
  );
  console.log(`ok: ${received.length} spans decoded from OTLP/protobuf, one trace:`);
  for (const s of received) console.log(`  ${['?', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'][s.kind]} ${s.name} (${s.scope})`);
}
main().catch((err) => fail(err && err.stack ? err.stack : String(err)));

/**
 * Cost of hostile and large trace headers on a traced server (section 3 of issue #13).
 *
 * The server (this file with `--server`) runs `init()` from dist/ with the http instrumentation
 * in its own process; autocannon (in this process) sends one scenario at a time, interleaved over
 * ROUNDS rounds. Reported per scenario: median req/s and median server CPU µs per request
 * (process.cpuUsage of the server process over the run / requests served).
 *
 *   npm run build --silent && node bench/privacy/hostile-headers.mjs
 *
 * Env: SECONDS (default 3), ROUNDS (default 3), CONNECTIONS (default 10), DIST (the build to
 * load, default dist/; e.g. a copy of an older build to compare).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === '--server') {
  const { pathToFileURL } = await import('node:url');
  const path = await import('node:path');
  const dist = path.resolve(process.env.DIST ?? new URL('../../dist', import.meta.url).pathname);
  const { init } = await import(pathToFileURL(path.join(dist, 'index.js')).href);
  const discard = { export: (_s, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
  init({ serviceName: 'hostile-bench', exporter: discard, instrumentations: { http: true } });
  const http = await import('node:http');
  let served = 0;
  const server = http.createServer({ maxHeaderSize: 65536 }, (_req, res) => {
    served++;
    res.end('ok');
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  let mark;
  process.on('message', (m) => {
    if (m === 'start') {
      mark = { cpu: process.cpuUsage(), served };
      process.send({ started: true });
    } else if (m === 'stop') {
      const cpu = process.cpuUsage(mark.cpu);
      const n = served - mark.served;
      process.send({ n, cpuUs: (cpu.user + cpu.system) / Math.max(1, n) });
    } else if (m === 'exit') {
      server.close();
      process.exit(0);
    }
  });
} else {
  const { default: autocannon } = await import('autocannon');
  const SECONDS = Number(process.env.SECONDS ?? 3);
  const ROUNDS = Number(process.env.ROUNDS ?? 3);
  const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
  const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const valid = (bytes) => {
    const members = [];
    let len = 0;
    for (let i = 0; len < bytes; i++) {
      const m = `key${i}=value-${i}-${'x'.repeat(20)}`;
      members.push(m);
      len += m.length + 1;
    }
    return members.join(',').slice(0, bytes).replace(/,[^,]*$/, '');
  };
  const scenarios = {
    'no baggage': { traceparent: TP },
    'valid baggage 1 KB': { traceparent: TP, baggage: valid(1024) },
    'valid baggage 12.7 KB': { traceparent: TP, baggage: valid(12_700) },
    "hostile baggage 'a=%ZZ,' x2500 (15 KB)": { traceparent: TP, baggage: 'a=%ZZ,'.repeat(2500) },
    "hostile baggage 'a=%ZZ,' 16 KB": { traceparent: TP, baggage: 'a=%ZZ,'.repeat(2731).slice(0, 16384) },
    'hostile tracestate 16 KB': { traceparent: TP, tracestate: 'a=%ZZ,'.repeat(2731).slice(0, 16384) },
    'hostile traceparent 16 KB': { traceparent: TP + '-'.repeat(16384 - TP.length) },
  };
  const child = fork(SELF, ['--server'], { stdio: 'inherit' });
  const [{ port }] = await once(child, 'message');
  const ask = async (m) => {
    child.send(m);
    const [reply] = await once(child, 'message');
    return reply;
  };
  const results = Object.fromEntries(Object.keys(scenarios).map((k) => [k, { rps: [], cpu: [] }]));
  const names = Object.keys(scenarios);
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.slice(round % names.length).concat(names.slice(0, round % names.length));
    for (const name of order) {
      const headers = scenarios[name];
      await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: 0.5, headers }); // warm-up
      await ask('start');
      const r = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: SECONDS, headers });
      const { cpuUs } = await ask('stop');
      if (r.non2xx > 0 || r.errors > 0) console.error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      results[name].rps.push(r.requests.average);
      results[name].cpu.push(cpuUs);
    }
  }
  child.send('exit');
  const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
  console.log(`node ${process.version}, ${ROUNDS} rounds x ${SECONDS}s, ${CONNECTIONS} connections`);
  console.log('| scenario | req/s (median) | server CPU µs/request (median) |');
  console.log('|---|---:|---:|');
  for (const name of names) {
    console.log(`| ${name} | ${Math.round(median(results[name].rps))} | ${median(results[name].cpu).toFixed(1)} |`);
  }
}

// CPU time per request of the servers in server.mjs, read from /proc (Linux): the server's main
// thread and its other threads (GC helpers, libuv), over a fixed number of requests after
// 2 x 30 000 warm-up requests; modes interleaved, medians over rounds.
//   node bench/instructions/cpu.mjs [rounds=5] [requests=200000] [mode...]
// NODE=/path/to/node picks the Node binary for the servers; CONNECTIONS (default 50). Needs
// `npm run build` first (the traced mode loads dist/).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const [rounds = '5', requests = '200000', ...picked] = process.argv.slice(2);
const modes = picked.length > 0 ? picked : ['untraced', 'als', 'traced', 'official'];
const NODE = process.env.NODE ?? process.execPath;
const CONNECTIONS = process.env.CONNECTIONS ?? '50';
const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const AUTOCANNON = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime in clock ticks of every thread of `pid`, by thread id. */
function threadTicks(pid) {
  const ticks = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks.set(Number(tid), Number(fields[11]) + Number(fields[12]));
  }
  return ticks;
}

function load(port, count) {
  execFileSync(process.execPath, [AUTOCANNON, '-c', CONNECTIONS, '-a', String(count), `http://127.0.0.1:${port}/`], {
    stdio: 'ignore',
  });
}

const results = new Map(modes.map((m) => [m, { main: [], other: [] }]));
for (let round = 0; round < Number(rounds); round++) {
  for (let k = 0; k < modes.length; k++) {
    const mode = modes[(k + round) % modes.length];
    const server = spawn(NODE, [SERVER, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise((resolve) => {
      server.stdout.on('data', (d) => {
        const m = /PORT (\d+)/.exec(String(d));
        if (m) resolve(Number(m[1]));
      });
    });
    load(port, 30_000);
    load(port, 30_000);
    const before = threadTicks(server.pid);
    load(port, Number(requests));
    const after = threadTicks(server.pid);
    let main = 0;
    let other = 0;
    for (const [tid, t] of after) {
      const spent = t - (before.get(tid) ?? 0);
      if (tid === server.pid) main += spent;
      else other += spent;
    }
    const perRequest = (ticks) => ((ticks / TICKS_PER_SECOND) * 1e6) / Number(requests);
    results.get(mode).main.push(perRequest(main));
    results.get(mode).other.push(perRequest(other));
    server.kill();
    await new Promise((resolve) => server.on('exit', resolve));
  }
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(results.get(modes[0]).main);
console.log(`node ${execFileSync(NODE, ['--version']).toString().trim()}, ${rounds} rounds x ${requests} requests, ${CONNECTIONS} connections`);
console.log('| server | main thread µs/request | ratio | other threads µs/request | main, per round |');
console.log('|---|---:|---:|---:|---|');
for (const [mode, r] of results) {
  const main = median(r.main);
  console.log(
    `| ${mode} | ${main.toFixed(1)} | ${(main / base).toFixed(2)} | ${median(r.other).toFixed(2)} | ${r.main.map((x) => x.toFixed(1)).join(' ')} |`,
  );
}

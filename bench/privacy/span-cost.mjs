/**
 * Cost of a typical span with redaction on (section 1/2 of issue #13 touch span start, setStatus
 * and setAttribute): withSpan with a route-like name, four string attributes and an error status.
 *
 *   npm run build --silent && node bench/privacy/span-cost.mjs [dist-dir]
 *
 * Wall time is noisy on a shared machine; instructions are not. With ROUNDS=1 and SPANS=n the
 * script runs n spans once, so callgrind's total for SPANS=50000 minus SPANS=0, divided by
 * 50,000, gives instructions per span:
 *   SPANS=0 ROUNDS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null node bench/privacy/span-cost.mjs
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = path.resolve(process.argv[2] ?? new URL('../../dist', import.meta.url).pathname);
const { init, withSpan } = await import(pathToFileURL(path.join(dist, 'index.js')).href);
const discard = { export: (_s, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
init({ serviceName: 'span-cost', exporter: discard, flushOnExit: false, ...(process.env.REDACT === '0' ? { redact: false } : {}) });
const attrs = process.env.ATTRS !== '0';
const body = (span) => {
  if (!attrs) return;
  span.setAttribute('url.full', 'https://api.example.com/v1/orders/1731234567890/items?page=2');
  span.setAttribute('db.query.text', 'SELECT id, name FROM users WHERE id = $1');
  span.setAttribute('user.id', 'u-12345');
  span.setAttribute('note', 'the quick brown fox jumps over the lazy dog');
  span.setStatus({ code: 2, message: 'upstream timed out after 3 retries' });
};
const results = [];
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const N = Number(process.env.SPANS ?? 100_000);
for (let round = 0; round < ROUNDS; round++) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) withSpan('GET /orders/:id', body);
  const c = process.cpuUsage(c0);
  results.push(((c.user + c.system) * 1000) / N);
}
results.sort((a, b) => a - b);
console.log(`${dist}: median ${results[ROUNDS >> 1].toFixed(0)} ns, min ${results[0].toFixed(0)} ns CPU per span (${ROUNDS} x ${N})`);

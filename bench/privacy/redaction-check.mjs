/**
 * What the default redaction does to ordinary data, and what it costs (section 1 of issue #13).
 * For each kind of identifier, counts how many of N random values are changed by
 * `createRedactor()` (defaults) as a whole value, inside a URL path, and inside free text; then
 * times `redact()` on a mix of typical attribute values.
 *
 *   npm run build --silent && node bench/privacy/redaction-check.mjs [dist-dir]
 *
 * Env: N (default 100000).
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const dist = path.resolve(process.argv[2] ?? new URL('../../dist', import.meta.url).pathname);
const { createRedactor } = await import(pathToFileURL(path.join(dist, 'sdk.js')).href);
const N = Number(process.env.N ?? 100_000);
const r = createRedactor();

const rand = Math.random;
const digits = (n) => {
  let s = String(1 + Math.floor(rand() * 9));
  while (s.length < n) s += Math.floor(rand() * 10);
  return s;
};
const kinds = {
  'epoch ms': () => String(1_000_000_000_000 + Math.floor(rand() * 8_999_999_999_999)),
  'epoch µs': () => String(1_000_000_000_000_000 + Math.floor(rand() * 8_999_999_999_999_999)).slice(0, 16),
  'snowflake (19 digits)': () => digits(19),
  uuid: () => randomUUID(),
  'order number (13-19 digits)': () => digits(13 + Math.floor(rand() * 7)),
  phone: () => `+${1 + Math.floor(rand() * 98)} ${digits(3)} ${digits(3)} ${digits(4)}`,
};
const places = {
  value: (x) => x,
  'url path': (x) => `https://api.example.com/v1/orders/${x}/items?page=2`,
  'free text': (x) => `order ${x} shipped`,
};
console.log(`node ${process.version}, ${dist}, N=${N}`);
console.log('| data | ' + Object.keys(places).join(' | ') + ' |');
console.log('|---|' + Object.keys(places).map(() => '---:').join('|') + '|');
for (const [kind, gen] of Object.entries(kinds)) {
  const changed = Object.fromEntries(Object.keys(places).map((p) => [p, 0]));
  for (let i = 0; i < N; i++) {
    const x = gen();
    for (const [p, wrap] of Object.entries(places)) {
      const v = wrap(x);
      if (r.redact('app.value', v) !== v) changed[p]++;
    }
  }
  console.log(`| ${kind} | ` + Object.keys(places).map((p) => `${changed[p]}`).join(' | ') + ' |');
}

const cards = ['4111 1111 1111 1111', '5555-5555-5555-4444', '3782.822463.10005', 'paid with 4111111111111111 today'];
console.log('cards caught: ' + cards.map((c) => `${JSON.stringify(c)} -> ${JSON.stringify(r.redact('note', c))}`).join('; '));

const mix = [
  ['http.request.method', 'GET'],
  ['url.full', 'https://api.example.com/v1/orders/1731234567890/items?page=2'],
  ['user.id', 'u-12345'],
  ['db.query.text', 'SELECT id, name FROM users WHERE id = $1'],
  ['note', 'the quick brown fox jumps over the lazy dog'],
  ['http.response.status_code', 200],
  ['app.ts', '1731234567890'],
  ['error.message', 'connection refused to 10.0.0.1:5432'],
];
for (let w = 0; w < 3; w++) {
  const t0 = process.hrtime.bigint();
  const M = 200_000;
  for (let i = 0; i < M; i++) for (const [k, v] of mix) r.redact(k, v);
  const ns = Number(process.hrtime.bigint() - t0) / (M * mix.length);
  if (w === 2) console.log(`redact() on a mix of ${mix.length} typical attributes: ${ns.toFixed(1)} ns per call`);
}

/**
 * Issue #22: what tracelight adds to a bundled app, and whether the bundle exports. Bundles
 * test/bundle/fixtures/app.mjs (http server, fetch, withSpan, default OTLP export) and the same
 * app without tracelight (plain-app.mjs) with each bundler, minified, as the README's
 * "Bundling and serverless" section says; runs each tracelight bundle alone in an empty folder
 * against a loopback OTLP receiver and counts the spans it received.
 */
import { rmSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { bundle } from '../test/bundle/bundlers.js';
import type { BundlerName } from '../test/bundle/bundlers.js';
import { OtlpReceiver } from '../test/exporters/otlp-receiver.js';
import { runNode } from '../test/helpers/child.js';

import type { BundleOptions } from '../test/bundle/bundlers.js';

const BUNDLERS: Array<{ name: BundlerName; label: string; options?: BundleOptions }> = [
  { name: 'esbuild-cjs', label: 'esbuild --format=cjs' },
  { name: 'esbuild-cjs', label: 'esbuild --format=cjs --main-fields=module,main', options: { mainFields: ['module', 'main'] } },
  { name: 'esbuild-esm', label: 'esbuild --format=esm + banner' },
  { name: 'webpack', label: 'webpack (target node)' },
  { name: 'ncc', label: '@vercel/ncc' },
];
const EXPECTED_SPANS = 20;
const kib = (n: number) => (n < 10_240 ? (n / 1024).toFixed(1) : (n / 1024).toFixed(0));

console.log('| bundler (minified, app from ES modules) | without tracelight | with tracelight | tracelight adds | gzip: adds | spans received | bundling |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const { name, label, options } of BUNDLERS) {
  const plain = await bundle(name, 'plain-app.mjs', { ...options, minify: true });
  const app = await bundle(name, 'app.mjs', { ...options, minify: true });
  const gz = (file: string) => gzipSync(readFileSync(file)).length;
  const receiver = await OtlpReceiver.start();
  const r = await runNode(app.file, [], { cwd: app.dir, timeoutMs: 30_000, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
  const received = receiver.spans().length;
  await receiver.close();
  if (r.code !== 0 || r.stderr) console.error(`${name}: exit ${r.code}, stderr: ${r.stderr}`);
  console.log(
    `| ${label} | ${kib(plain.bytes)} KiB | ${kib(app.bytes)} KiB | ${kib(app.bytes - plain.bytes)} KiB | ${kib(gz(app.file) - gz(plain.file))} KiB | ${received} / ${EXPECTED_SPANS} | ${(app.millis / 1000).toFixed(1)} s |`,
  );
  rmSync(plain.dir, { recursive: true, force: true });
  rmSync(app.dir, { recursive: true, force: true });
}

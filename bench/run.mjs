#!/usr/bin/env node
// Runs the benchmarks: bundles every bench/*.bench.ts (or those whose name contains one of the
// arguments) with esbuild, then runs each in its own child process with the current `node`
// (or the one named by --node PATH). Usage: npm run bench [-- [--node PATH] [filter ...]]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readdirSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let nodeBin = process.execPath;
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--node') nodeBin = args[++i];
  else filters.push(args[i]);
}
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
const outdir = join(here, 'out');
mkdirSync(outdir, { recursive: true });
let failed = false;
for (const f of files) {
  const outfile = join(outdir, f.replace(/\.ts$/, '.mjs'));
  await build({
    entryPoints: [join(here, f)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  const version = spawnSync(nodeBin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\n## ${f} (node ${version})\n`);
  const r = spawnSync(nodeBin, ['--expose-gc', outfile], { stdio: 'inherit', cwd: join(here, '..') });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);

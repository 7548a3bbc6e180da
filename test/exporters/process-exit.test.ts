import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { closedPort } from './otlp-receiver.js';

// Inside the repository, so the bundle resolves the installed packages.
const root = fileURLToPath(new URL('../..', import.meta.url));
const cache = join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'tracelight-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the process exits on its own while exports, retries and waterfall traces are pending', async () => {
  const outfile = join(dir, 'fixture.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/exits-while-pending.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
    absWorkingDir: root,
  });
  const port = await closedPort();
  const child = spawn(process.execPath, [outfile, String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const outcome = await new Promise<string>((resolve) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('kept alive');
    }, 10_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve(`exit ${code}`);
    });
  });
  expect(outcome, output).toBe('exit 0');
  expect(output).toContain('retries pending');
});

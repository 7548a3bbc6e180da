// The public API is what api/*.api.md says: a change to the built declarations of any entry that
// is not in its report fails here (update with `npm run api` and review the diff).
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const script = join(root, 'scripts', 'api-report.mjs');

async function apiReport(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, '--check', ...args], { cwd: root });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('public API report', () => {
  it('every entry of package.json exports matches its report in api/', { timeout: 120_000 }, async () => {
    const { code, output } = await apiReport();
    expect(output).not.toMatch(/public API of .* changed|problems in/);
    expect(code).toBe(0);
    const entries = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports).filter((k) => k !== './package.json');
    for (const entry of entries) expect(output).toContain(`api-report: ${entry === '.' ? 'index' : entry.slice(2)} unchanged`);
  });

  it('fails, naming the entry, when a declaration differs from its report', { timeout: 60_000 }, async () => {
    const reports = mkdtempSync(join(tmpdir(), 'tracelight-api-'));
    try {
      cpSync(join(root, 'api'), reports, { recursive: true });
      const file = join(reports, 'sdk.api.md');
      // As if `createConsoleExporter` had lost its options parameter in the report.
      const before = readFileSync(file, 'utf8');
      const after = before.replace('createConsoleExporter(options?: ConsoleExporterOptions)', 'createConsoleExporter()');
      expect(after).not.toBe(before);
      writeFileSync(file, after);
      const { code, output } = await apiReport('--reports', reports, '--only', 'sdk');
      expect(code).toBe(1);
      expect(output).toContain('public API of tracelight/sdk changed');
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  });
});

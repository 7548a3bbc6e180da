/**
 * Every ```ts and ```js block of README.md compiles as written (imports and declarations
 * included): each is written to a file inside the repository (so `tracelight` resolves to the
 * built package by its own name and `exports`, as in an app) and type-checked by `tsc` in strict
 * mode. Blocks that are not code to compile must say what they are (```sh, ```text, ```json).
 * The quick start is also run, in a child process, against a real OTLP receiver.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { transform } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../exporters/otlp-receiver.js';
import { runNode } from '../helpers/child.js';
import { blockFileName, CHECKED_LANGS, README, readmeBlocks } from './readme-blocks.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
// Inside the repository (for self-reference), outside tsconfig.json's include; one folder per run.
const dir = join(root, '.readme-blocks', String(process.pid));

const STRICT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    moduleDetection: 'force',
    allowJs: true,
    checkJs: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
  },
  include: ['*.ts', '*.mjs', '*.cjs', '*.js'],
};

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  try {
    rmdirSync(join(root, '.readme-blocks')); // unless another run still uses it
  } catch {
    // not empty, or already gone
  }
});

describe('README.md code blocks', () => {
  const blocks = readmeBlocks();

  it('every block names its language, and the code to compile is there', () => {
    const unnamed = blocks.filter((b) => b.lang === '').map((b) => `README.md:${b.line}`);
    expect(unnamed).toEqual([]);
    expect(blocks.filter((b) => CHECKED_LANGS.includes(b.lang)).length).toBeGreaterThanOrEqual(10);
  });

  it('every link to a section of the README names a heading that exists', () => {
    const text = readFileSync(README, 'utf8');
    const outside = text.replace(/^\s*```[\s\S]*?^\s*```/gm, '');
    // GitHub's anchors: lowercase, punctuation other than '-' and '_' dropped, spaces to '-'.
    const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const anchors = new Set([...outside.matchAll(/^#{1,6} (.*)$/gm)].map((m) => slug(m[1]!)));
    const links = [...outside.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((l) => !anchors.has(l))).toEqual([]);
    const files = [...outside.matchAll(/\]\(((?!#|https?:)[^)#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
    expect(files.filter((f) => !existsSync(join(root, f)))).toEqual([]);
  });

  it('every ts and js block type-checks as written, in strict mode', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(STRICT_TSCONFIG, null, 2));
    const where = new Map<string, number>();
    blocks
      .filter((b) => CHECKED_LANGS.includes(b.lang))
      .forEach((block, i) => {
        const name = blockFileName(block, i);
        expect(where.has(name), `two README blocks are named ${name}`).toBe(false);
        where.set(name, block.line);
        writeFileSync(join(dir, name), block.code);
      });
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: root }).then(
      () => '',
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    // Name the README line of each error: block-03-line-62.ts(5,3) is README.md line 66.
    const explained = result.replace(/([\w.-]+)\((\d+),(\d+)\)/g, (m, file: string, line: string) =>
      where.has(file) ? `README.md:${where.get(file)! + Number(line) - 1} (${m})` : m,
    );
    expect(explained).toBe('');
  }, 120_000);
});

/** Span names of the first console waterfall in `lines`, in tree order (`key=value` attribute lines left out). */
function waterfallNames(lines: string[]): string[] {
  const header = lines.findIndex((l) => l.startsWith('trace '));
  const body = lines.slice(header + 1);
  const end = body.findIndex((l) => l.trim() === '');
  return (end === -1 ? body : body.slice(0, end))
    .map((l) => /^[\s│├└─]*(\S+(?: \/\S+)?)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && !n.includes('='));
}

describe('the README quick start', () => {
  /** The quick start as JavaScript, written beside the type-checked blocks (so `tracelight` resolves the same way). */
  async function quickStartScript(): Promise<string> {
    const blocks = readmeBlocks().filter((b) => b.section === 'Quick start' && b.lang === 'ts');
    expect(blocks).toHaveLength(1);
    const { code } = await transform(blocks[0]!.code, { loader: 'ts', format: 'esm', target: 'node20' });
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'quick-start.mjs');
    writeFileSync(file, code);
    return file;
  }

  it('runs as written: one trace, client -> server -> checkout -> inventory.check and payment.charge, exported by OTLP', async () => {
    const receiver = await OtlpReceiver.start();
    try {
      const script = await quickStartScript();
      const result = await runNode(script, [], { cwd: root, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, timeoutMs: 20_000 });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('200 paid\n');
      expect(result.code).toBe(0);
      const spans = receiver.acceptedSpans();
      expect(spans.map((s) => s.name).sort()).toEqual(['GET', 'GET', 'checkout', 'inventory.check', 'payment.charge']);
      expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
      const client = spans.find((s) => s.kind === 3)!;
      const server = spans.find((s) => s.kind === 2)!;
      const byName = (name: string) => spans.find((s) => s.name === name)!;
      expect(client.parentSpanId).toBe('');
      expect(server.parentSpanId).toBe(client.spanId);
      expect(server.attributes['url.path']).toBe('/checkout');
      expect(byName('checkout').parentSpanId).toBe(server.spanId);
      expect(byName('checkout').attributes['cart.items']).toBe(2);
      expect(byName('inventory.check').parentSpanId).toBe(byName('checkout').spanId);
      expect(byName('payment.charge').parentSpanId).toBe(byName('checkout').spanId);
      for (const s of spans) expect(s.resource['service.name']).toBe('checkout-api');
    } finally {
      await receiver.close();
    }
  }, 30_000);

  it('with OTEL_TRACES_EXPORTER=console, prints the trace the README shows', async () => {
    const script = await quickStartScript();
    const result = await runNode(script, [], { cwd: root, env: { OTEL_TRACES_EXPORTER: 'console' }, timeoutMs: 20_000 });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('200 paid');
    expect(lines[1]).toMatch(/^trace [0-9a-f]{32}\s+checkout-api\s+total /);
    // The client GET, the server GET /checkout under it, checkout, its two steps: as in the README.
    expect(waterfallNames(lines)).toEqual(['GET', 'GET /checkout', 'checkout', 'inventory.check', 'payment.charge']);
    const shown = readmeBlocks().find((b) => b.section === 'Quick start' && b.lang === 'text' && b.code.startsWith('$ OTEL_TRACES_EXPORTER=console'));
    expect(shown, 'the README shows the quick start\'s console output').toBeDefined();
    const shownLines = shown!.code.split('\n').slice(1);
    expect(shownLines[0]).toBe('200 paid');
    expect(waterfallNames(shownLines)).toEqual(waterfallNames(lines));
  }, 30_000);

  it('with no collector, says so once on stderr and still exits 0', async () => {
    const receiver = await OtlpReceiver.start();
    const url = receiver.url;
    await receiver.close(); // nothing listens there now
    const script = await quickStartScript();
    const result = await runNode(script, [], { cwd: root, env: { OTEL_EXPORTER_OTLP_ENDPOINT: url }, timeoutMs: 20_000 });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('200 paid\n');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^tracelight: cannot export spans to ${url}/v1/traces: connection refused`));
  }, 30_000);
});

describe('the README node:test example', () => {
  it('passes under node --test, as written', async () => {
    const block = readmeBlocks().find((b) => b.lang === 'ts' && b.code.includes("from 'node:test'"));
    expect(block).toBeDefined();
    const { code } = await transform(block!.code, { loader: 'ts', format: 'esm', target: 'node20' });
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'node-test-example.mjs');
    writeFileSync(file, code);
    const result = await runNode(file, [], { cwd: root, nodeArgs: ['--test', '--test-reporter=tap'], timeoutMs: 20_000 });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^# pass 1$/m);
    expect(result.stdout).toMatch(/^# fail 0$/m);
  }, 30_000);
});

describe('the README vitest example', () => {
  it('passes under vitest, as written', async () => {
    const block = readmeBlocks().find((b) => b.lang === 'ts' && b.code.includes("from 'vitest'"));
    expect(block).toBeDefined();
    const folder = join(dir, 'vitest-example');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'checkout.test.ts'), block!.code);
    writeFileSync(join(folder, 'vitest.config.mjs'), "export default { test: { include: ['checkout.test.ts'] } };\n");
    const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
    const result = await runNode(vitest, ['run', '--root', folder, '--reporter=verbose'], { cwd: folder, timeoutMs: 60_000 });
    const out = result.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(result.code, out + result.stderr).toBe(0);
    expect(out).toMatch(/✓ .*traces checkout/);
    expect(out).toMatch(/Tests\s+1 passed \(1\)/);
  }, 90_000);
});

import { describe, expect, it } from 'vitest';
import { jsonLines, runNode } from '../helpers/child.js';

interface Line {
  span: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  service: string;
}

function checkTree(lines: Line[], service: string): void {
  const byName = new Map(lines.map((l) => [l.span, l]));
  expect([...byName.keys()].sort()).toEqual(['inner', 'outer', 'sync-child']);
  const outer = byName.get('outer')!;
  expect(outer.parentSpanId).toBeUndefined();
  expect(outer.service).toBe(service);
  for (const child of ['inner', 'sync-child']) {
    expect(byName.get(child)!.parentSpanId, child).toBe(outer.spanId);
    expect(byName.get(child)!.traceId, child).toBe(outer.traceId);
  }
  expect(outer.traceId).toMatch(/^[0-9a-f]{32}$/);
}

describe('ESM and CommonJS consumers (built package, child processes)', () => {
  for (const order of ['first', 'last']) {
    it(`ESM, tracelight imported ${order}: connected spans, flushed, exits by itself`, async () => {
      const r = await runNode('esm-app.mjs', [order]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      checkTree(jsonLines<Line>(r.stdout), 'esm-app');
    });

    it(`CommonJS, tracelight required ${order}: connected spans, flushed, exits by itself`, async () => {
      const r = await runNode('cjs-app.cjs', [order]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      checkTree(jsonLines<Line>(r.stdout), 'cjs-app');
    });
  }
});

describe('signals', () => {
  const sendOnReady = (signal: NodeJS.Signals) => (chunk: string, child: import('node:child_process').ChildProcess) => {
    if (chunk.includes('ready')) child.kill(signal);
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} with no app handler: pending spans flushed, the process still dies of ${signal}`, async () => {
      const r = await runNode('signal-app.mjs', ['default'], { onStdout: sendOnReady(signal) });
      expect(r.signal).toBe(signal);
      expect(r.code).toBeNull();
      expect(jsonLines<Line>(r.stdout).map((l) => l.span).sort()).toEqual(['work-0', 'work-1', 'work-2']);
    });
  }

  it("SIGTERM with the app's own handler: the app decides the exit code", async () => {
    const r = await runNode('signal-app.mjs', ['handler'], { onStdout: sendOnReady('SIGTERM') });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(3);
    expect(jsonLines<Line>(r.stdout).map((l) => l.span).sort()).toEqual(['work-0', 'work-1', 'work-2']);
  });
});

describe('preload: tracelight/register', () => {
  const env = { OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'registered', NO_COLOR: '1' };

  it('node --import tracelight/register app.mjs traces from the environment alone', async () => {
    const r = await runNode('register-app.mjs', [], { nodeArgs: ['--import', 'tracelight/register'], env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('registered-root');
    expect(r.stdout).toContain('registered-child');
    expect(r.stdout).toContain('registered');
  });

  it('node --require tracelight/register app.cjs traces from the environment alone', async () => {
    const r = await runNode('register-app.cjs', [], { nodeArgs: ['--require', 'tracelight/register'], env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('registered-root');
    expect(r.stdout).toContain('registered-child');
  });
});

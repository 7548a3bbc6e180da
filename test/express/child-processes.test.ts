/**
 * tracelight/express in real processes, from the built package (run `npm run build` first):
 * the automatic mode (`init({ instrumentations: { express: true } })` and `tracelight/register`)
 * in CommonJS and ES modules with express imported before tracelight, and life beside
 * OpenTelemetry's official instrumentation-express and instrumentation-http.
 */
import { describe, expect, it } from 'vitest';
import { jsonLines, runNode } from '../helpers/child.js';

interface SpanLine {
  span: string;
  spanId: string;
  parentSpanId?: string;
  status: number;
  attributes: Record<string, unknown>;
}

const isServer = (s: SpanLine) => s.attributes['url.path'] !== undefined && s.attributes['url.full'] === undefined;
const NOT_FOUND = expect.stringMatching(/^404 .*Cannot GET \/missing/s);

describe.each(['express-auto.cjs', 'express-auto.mjs'])('%s, express imported before tracelight', (script) => {
  describe.each(['express', 'express4'])('%s', (which) => {
    it("init({ instrumentations: { express: true } }): routes registered before and after init are named, 404 is not", async () => {
      const r = await runNode(script, ['init', which], { timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(0);
      const lines = jsonLines<SpanLine & { bodies?: string[] }>(r.stdout);
      expect(lines.find((l) => l.bodies)!.bodies).toEqual(['200 GET /orgs/:org/repos/:repo', '200 GET /users/:id', NOT_FOUND]);
      const servers = lines.filter((l) => l.span !== undefined && isServer(l));
      expect(servers.map((s) => [s.span, s.attributes['http.route']])).toEqual([
        ['GET /orgs/:org/repos/:repo', '/orgs/:org/repos/:repo'],
        ['GET /users/:id', '/users/:id'],
        ['GET', undefined],
      ]);
    });

    it('--require/--import tracelight/register: the same names, with no code change', async () => {
      const nodeArgs = script.endsWith('.mjs') ? ['--import', 'tracelight/register'] : ['--require', 'tracelight/register'];
      const r = await runNode(script, ['register', which], { nodeArgs, env: { OTEL_TRACES_EXPORTER: 'none' }, timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(0);
      const lines = jsonLines<{ bodies?: string[] }>(r.stdout);
      expect(lines.find((l) => l.bodies)!.bodies).toEqual(['200 GET /orgs/:org/repos/:repo', '200 GET /users/:id', NOT_FOUND]);
    });
  });
});

it('the built tracelight/express never loads express (a dev dependency only)', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dist = join(import.meta.dirname, '..', '..', 'dist');
  const files = readdirSync(dist).filter((f) => /\.(c?js)$/.test(f));
  expect(files).toContain('express.js');
  for (const f of files) {
    const code = readFileSync(join(dist, f), 'utf8');
    expect(code, f).not.toMatch(/require\(["']express[^"']*["']\)|from ["']express[^"']*["']|import\(["']express/);
  }
});

describe('beside the official instrumentations (RPCMetadata)', () => {
  async function run(mode: string) {
    const r = await runNode('express-official.cjs', [mode], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines<SpanLine & { body?: string }>(r.stdout);
    expect(lines.find((l) => l.body !== undefined)!.body).toBe('user 7');
    return lines.filter((l) => l.span !== undefined);
  }

  it('the official instrumentation-express names tracelight\'s SERVER span', async () => {
    const spans = await run('official-express');
    const servers = spans.filter(isServer);
    expect(servers.map((s) => s.span)).toEqual(['GET /api/users/:id']);
    expect(servers[0]!.attributes['http.route']).toBe('/api/users/:id');
  });

  it('official instrumentation-express and instrumentExpress() together: one SERVER span, named once, no span of ours doubled', async () => {
    const spans = await run('both');
    const servers = spans.filter(isServer);
    expect(servers.map((s) => s.span)).toEqual(['GET /api/users/:id']);
    // The official one's own middleware spans, once each; none of ours (spans are off by default).
    const handlers = spans.filter((s) => s.attributes['express.type'] === 'request_handler');
    expect(handlers).toHaveLength(1);
  });

  it("instrumentExpress() names the official instrumentation-http's SERVER span", async () => {
    const spans = await run('official-http');
    const servers = spans.filter((s) => s.attributes['http.route'] !== undefined && s.attributes['url.full'] === undefined && s.attributes['http.request.method'] !== undefined);
    expect(servers.map((s) => s.span)).toEqual(['GET /api/users/:id']);
  });
});

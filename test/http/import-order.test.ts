import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const built = fileURLToPath(new URL('../../dist/http.js', import.meta.url));

interface Out {
  body: { self: string; viaHttp: string; viaFetch: string };
  spans: Array<{ name: string; kind: number; traceId: string; spanId: string; parentId: string | null; url: string }>;
}

function run(script: string): Promise<Out> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script], { cwd: fixtures, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${script} failed: ${err.message}\n${stderr}`));
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) return reject(new Error(`${script} printed no result\n${stdout}\n${stderr}`));
      resolve(JSON.parse(line) as Out);
    });
  });
}

// The built package (tracelight/http, by self-reference), loaded AFTER node:http was imported,
// destructured and its servers were listening, with no loader flag.
describe('no import-order trap (built package, child processes)', () => {
  test('the package is built', () => {
    expect(existsSync(built), 'run `npm run build` first (npm test does)').toBe(true);
  });

  for (const script of ['import-order.mjs', 'import-order.cjs']) {
    test(script, async () => {
      const { body, spans } = await run(script);
      const TRACE = '0af7651916cd43dd8448eb211c80319c';
      const front = spans.find((s) => s.kind === 1 && s.url === '/front')!;
      expect(front, JSON.stringify(spans)).toBeDefined();
      expect(front.traceId).toBe(TRACE);
      expect(front.parentId).toBe('b7ad6b7169203331');
      expect(body.self).toBe(front.spanId);
      for (const [path, header] of [
        ['/h', body.viaHttp],
        ['/f', body.viaFetch],
      ] as const) {
        const client = spans.find((s) => s.kind === 2 && s.url.endsWith(path))!;
        const server = spans.find((s) => s.kind === 1 && s.url === path)!;
        expect(client.parentId).toBe(front.spanId);
        expect(server.parentId).toBe(client.spanId);
        expect(header).toBe(`00-${TRACE}-${client.spanId}-01`);
      }
    });
  }
});

/**
 * The console waterfall of a real process: an N+1 loop of 300 queries run through withSpan
 * prints a handful of lines, the failed query stays visible, and the process ends on its own.
 */
import { describe, expect, it } from 'vitest';
import { runNode } from '../helpers/child.js';

describe('console waterfall from a child process', () => {
  it('folds the 300-query loop into one line with its N+1 mark and keeps the failure', async () => {
    const r = await runNode('waterfall-loop-app.mjs', [JSON.stringify({ viewerUrl: 'http://127.0.0.1:4318' })], { timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(/^trace ([0-9a-f]{32}) {2}shop +total /);
    const traceId = lines[0]!.split(' ')[1];
    expect(lines[1]).toBe(`view http://127.0.0.1:4318/#/trace/${traceId}`);
    expect(lines[2]).toMatch(/^GET \/orders +server +█+ +\S+ \S+$/);
    expect(lines[3]).toMatch(/^├─ auth\.verify /);
    expect(lines[4]).toMatch(/^├─ SELECT items ×300 +client +█+ +\S+ \S+$/);
    expect(lines[5]).toMatch(/^│ {4}N\+1 {2}total \S+ \S+ {2}p50 \S+ \S+ {2}max \S+ \S+ {2}✗ 1 error \(below\)$/);
    expect(lines[6]).toMatch(/^├─ SELECT items +client +█+ +\S+ \S+$/);
    expect(lines[7]).toBe('│    ✗ ERROR deadlock detected  db.system.name=postgresql');
    expect(lines[8]).toMatch(/^└─ render /);
    expect(lines).toHaveLength(9);
  });

  it('prints every span with collapseRepeated: false', async () => {
    const r = await runNode('waterfall-loop-app.mjs', [JSON.stringify({ collapseRepeated: false })], { timeoutMs: 20_000 });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.includes('SELECT items'))).toHaveLength(300);
  });
});

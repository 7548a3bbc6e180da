// Two real processes: A samples 1%, B 10%, both with consistent probability sampling and
// parentBased: false; A calls B over http on loopback. Every trace A keeps must arrive complete
// at B, and B keeps its own ~10% of the rest: the decisions come from the same trace id bits.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, FIXTURES, jsonLines, runNode } from '../helpers/child.js';

interface SpanLine {
  service: 'a' | 'b';
  span: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceFlags: number;
  traceState: string;
}
interface Summary {
  started?: string[];
  done?: boolean;
  stats: { exported: number; spansEnded: number; dropped: Record<string, number> };
}

const ROOTS = 2000;
const SERVER = 1;
const CLIENT = 2;
/** Trailing 56 bits of a trace id, as 14 hex digits (compares like the number for equal lengths). */
const randomness = (traceId: string) => traceId.slice(18);

describe('consistent sampling across two processes (A at 1% calls B at 10%)', () => {
  let aSpans: SpanLine[] = [];
  let bSpans: SpanLine[] = [];
  let started: string[] = [];
  let aStats: Summary['stats'];
  let bStats: Summary['stats'];

  beforeAll(async () => {
    const b = spawn(process.execPath, [join(FIXTURES, 'sampling-service.mjs'), 'b', '0.1'], { cwd: FIXTURES, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let bOut = '';
    let bErr = '';
    b.stderr.setEncoding('utf8').on('data', (c: string) => (bErr += c));
    const bExit = new Promise<void>((resolve) => b.on('exit', () => setImmediate(resolve)));
    const timer = setTimeout(() => b.kill('SIGKILL'), 60_000);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        b.stdout.setEncoding('utf8').on('data', (c: string) => {
          bOut += c;
          const m = /\{"port":(\d+)\}/.exec(bOut);
          if (m) resolve(Number(m[1]));
        });
        b.on('exit', () => reject(new Error(`B exited early: ${bErr}`)));
      });
      const url = `http://127.0.0.1:${port}`;
      const a = await runNode('sampling-service.mjs', ['a', '0.01', url, String(ROOTS)], { timeoutMs: 60_000 });
      expect(a.stderr).toBe('');
      expect(a.code).toBe(0);
      const aLines = jsonLines<SpanLine & Summary>(a.stdout);
      const aSummary = aLines.find((l) => l.started !== undefined)!;
      started = aSummary.started!;
      aStats = aSummary.stats;
      aSpans = aLines.filter((l) => l.span !== undefined);
      await fetch(`${url}/done`);
      await bExit;
    } finally {
      clearTimeout(timer);
      b.kill('SIGKILL');
    }
    expect(bErr).toBe('');
    const bLines = jsonLines<SpanLine & Summary>(bOut);
    bStats = bLines.find((l) => l.done === true)!.stats;
    bSpans = bLines.filter((l) => l.span !== undefined);
  }, 90_000);

  it('A started every trace, and neither process dropped a span', () => {
    expect(started).toHaveLength(ROOTS);
    expect(new Set(started).size).toBe(ROOTS);
    expect(aStats.dropped).toEqual({ queueFull: 0, exportFailed: 0, shutdown: 0, waterfallOverflow: 0 });
    expect(bStats.dropped).toEqual({ queueFull: 0, exportFailed: 0, shutdown: 0, waterfallOverflow: 0 });
    expect(aStats.exported).toBe(aSpans.length);
    expect(bStats.exported).toBe(bSpans.length);
    expect(aStats.spansEnded).toBe(aSpans.length);
  });

  it('each process keeps exactly the traces whose randomness reaches its threshold (checked for every trace)', () => {
    const aKept = new Set(aSpans.map((s) => s.traceId));
    const bKept = new Set(bSpans.map((s) => s.traceId));
    for (const id of started) {
      expect(aKept.has(id), id).toBe(randomness(id) >= 'fd70a000000000');
      expect(bKept.has(id), id).toBe(randomness(id) >= 'e6660000000000');
    }
    // B's share is its own ~10% (binomial, 2,000 traces: sd 0.67%), A's about 1%.
    expect(bKept.size / ROOTS).toBeGreaterThan(0.1 - 4.5 * 0.0067);
    expect(bKept.size / ROOTS).toBeLessThan(0.1 + 4.5 * 0.0067);
    expect(aKept.size).toBeGreaterThan(0);
    expect(aKept.size / ROOTS).toBeLessThan(0.01 + 4.5 * 0.0023);
  });

  it('every trace A kept arrives complete: A root and client, B server (child of A client) and its work span', () => {
    const aKept = new Set(aSpans.map((s) => s.traceId));
    for (const id of aKept) {
      const a = aSpans.filter((s) => s.traceId === id);
      const b = bSpans.filter((s) => s.traceId === id);
      const root = a.find((s) => s.span === 'a-root' && s.parentSpanId === undefined)!;
      const client = a.find((s) => s.kind === CLIENT && s.parentSpanId === root.spanId)!;
      const server = b.find((s) => s.kind === SERVER && s.parentSpanId === client.spanId)!;
      const work = b.find((s) => s.span === 'b-work' && s.parentSpanId === server.spanId);
      expect([root, client, server, work].every(Boolean), id).toBe(true);
      expect(a).toHaveLength(2);
      expect(b).toHaveLength(2);
    }
  });

  it('spans carry the threshold of the process that decided (adjusted counts 100 and 10) and the random flag', () => {
    for (const s of aSpans) expect(s.traceState).toBe('ot=th:fd70a');
    for (const s of bSpans) expect(s.traceState).toBe('ot=th:e666');
    for (const s of [...aSpans, ...bSpans]) expect(s.traceFlags).toBe(3);
  });
});

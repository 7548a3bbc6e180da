// Two real processes: A samples 1%, B 10%, both with consistent probability sampling and
// parentBased: false; A calls B over http on loopback. Every trace A keeps must arrive complete
// at B, and B keeps its own ~10% of the rest: the decisions come from the same trace id bits.
// Then with B parent-based (the default): B keeps exactly A's traces, with A's threshold.
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

interface Run {
  aSpans: SpanLine[];
  bSpans: SpanLine[];
  started: string[];
  aStats: Summary['stats'];
  bStats: Summary['stats'];
}

/** Starts B, runs A against it, stops B; returns both processes' exported spans and stats. */
async function runPair(bParentBased: boolean): Promise<Run> {
  const env = cleanEnv({ SAMPLING_PARENT_BASED: String(bParentBased) });
  const b = spawn(process.execPath, [join(FIXTURES, 'sampling-service.mjs'), 'b', '0.1'], { cwd: FIXTURES, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let bOut = '';
  let bErr = '';
  b.stderr.setEncoding('utf8').on('data', (c: string) => (bErr += c));
  const bExit = new Promise<void>((resolve) => b.on('exit', () => setImmediate(resolve)));
  const timer = setTimeout(() => b.kill('SIGKILL'), 60_000);
  let run: Omit<Run, 'bSpans' | 'bStats'>;
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
    run = { started: aSummary.started!, aStats: aSummary.stats, aSpans: aLines.filter((l) => l.span !== undefined) };
    await fetch(`${url}/done`);
    await bExit;
  } finally {
    clearTimeout(timer);
    b.kill('SIGKILL');
  }
  expect(bErr).toBe('');
  const bLines = jsonLines<SpanLine & Summary>(bOut);
  return { ...run, bStats: bLines.find((l) => l.done === true)!.stats, bSpans: bLines.filter((l) => l.span !== undefined) };
}

const NO_DROPS = { queueFull: 0, exportFailed: 0, shutdown: 0, waterfallOverflow: 0 };

/** Every trace A kept arrives complete: A root and client, B server (child of A's client) and its work span. */
function expectComplete({ aSpans, bSpans }: Run): void {
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
}

describe('consistent sampling across two processes (A at 1% calls B at 10%, B deciding for itself)', () => {
  let r: Run;
  beforeAll(async () => {
    r = await runPair(false);
  }, 90_000);

  it('A started every trace, and neither process dropped a span', () => {
    expect(r.started).toHaveLength(ROOTS);
    expect(new Set(r.started).size).toBe(ROOTS);
    expect(r.aStats.dropped).toEqual(NO_DROPS);
    expect(r.bStats.dropped).toEqual(NO_DROPS);
    expect(r.aStats.exported).toBe(r.aSpans.length);
    expect(r.bStats.exported).toBe(r.bSpans.length);
    expect(r.aStats.spansEnded).toBe(r.aSpans.length);
    expect(r.bStats.spansEnded).toBe(r.bSpans.length);
    const started = new Set(r.started);
    for (const s of [...r.aSpans, ...r.bSpans]) expect(started.has(s.traceId), s.traceId).toBe(true);
  });

  it('each process keeps exactly the traces whose randomness reaches its threshold (checked for every trace)', () => {
    const aKept = new Set(r.aSpans.map((s) => s.traceId));
    const bKept = new Set(r.bSpans.map((s) => s.traceId));
    for (const id of r.started) {
      expect(aKept.has(id), id).toBe(randomness(id) >= 'fd70a000000000');
      expect(bKept.has(id), id).toBe(randomness(id) >= 'e6660000000000');
    }
    // B's share is its own ~10% (binomial, 2,000 traces: sd 0.67%), A's about 1%.
    expect(bKept.size / ROOTS).toBeGreaterThan(0.1 - 4.5 * 0.0067);
    expect(bKept.size / ROOTS).toBeLessThan(0.1 + 4.5 * 0.0067);
    expect(aKept.size).toBeGreaterThan(0);
    expect(aKept.size / ROOTS).toBeLessThan(0.01 + 4.5 * 0.0023);
  });

  it('every trace A kept arrives complete at B', () => expectComplete(r));

  it('spans carry the threshold of the process that decided (adjusted counts 100 and 10) and the random flag', () => {
    for (const s of r.aSpans) expect(s.traceState).toBe('ot=th:fd70a');
    for (const s of r.bSpans) expect(s.traceState).toBe('ot=th:e666');
    for (const s of [...r.aSpans, ...r.bSpans]) expect(s.traceFlags).toBe(3);
  });
});

describe('parent-based B (the default): B keeps exactly what A kept, with A\'s threshold', () => {
  let r: Run;
  beforeAll(async () => {
    r = await runPair(true);
  }, 90_000);

  it('the same traces, complete, every span with th:fd70a; nothing dropped', () => {
    expect(r.started).toHaveLength(ROOTS);
    const aKept = new Set(r.aSpans.map((s) => s.traceId));
    const bKept = new Set(r.bSpans.map((s) => s.traceId));
    expect(aKept.size).toBeGreaterThan(0);
    for (const id of r.started) expect(bKept.has(id), id).toBe(aKept.has(id));
    expectComplete(r);
    for (const s of [...r.aSpans, ...r.bSpans]) expect(s.traceState).toBe('ot=th:fd70a');
    expect(r.aStats.dropped).toEqual(NO_DROPS);
    expect(r.bStats.dropped).toEqual(NO_DROPS);
  });
});

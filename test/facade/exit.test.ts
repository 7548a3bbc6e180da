/**
 * How a traced script ends, in a child process against a real OTLP receiver that answers,
 * hangs, answers too slowly or is not there: nothing of ours keeps the process alive, our
 * promises settle within their bounds (also as an ES module's top-level await), exports are one
 * at a time, and stats() accounts for every span as the collector saw it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLines, runNode } from '../helpers/child.js';
import type { ChildResult } from '../helpers/child.js';
import { until } from '../exporters/helpers.js';
import { closedPort, OtlpReceiver } from '../exporters/otlp-receiver.js';
import type { ReceiverBehaviour } from '../exporters/otlp-receiver.js';
import type { TracelightStats } from '../../src/index.js';

interface Line {
  event: 'done' | 'settled';
  t: number;
  stats: TracelightStats;
}

interface Run extends ChildResult {
  done: Line;
  settled: Line | undefined;
  /** When the process had exited, on the same clock as the lines' `t`. */
  exitedAt: number;
}

const receivers: OtlpReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(behaviour: ReceiverBehaviour): Promise<OtlpReceiver> {
  const r = await OtlpReceiver.start({ behaviour });
  receivers.push(r);
  return r;
}

async function run(script: string, mode: string, spans: number, env: Record<string, string>): Promise<Run> {
  const result = await runNode(script, [mode, String(spans)], { env, timeoutMs: 25_000 });
  const exitedAt = Date.now();
  const lines = jsonLines<Line>(result.stdout);
  const done = lines.find((l) => l.event === 'done');
  expect(done, `no 'done' line; stderr: ${result.stderr}`).toBeDefined();
  return { ...result, done: done!, settled: lines.find((l) => l.event === 'settled'), exitedAt };
}

/** Every sampled span ended is in exactly one counter. */
function expectAccounted(stats: TracelightStats): void {
  const { queueFull, exportFailed, shutdown } = stats.dropped;
  expect(stats.exported + queueFull + exportFailed + shutdown + stats.queueDepth).toBe(stats.spansEnded);
}

const endpoint = (url: string): Record<string, string> => ({ OTEL_EXPORTER_OTLP_ENDPOINT: url });

describe('a collector that accepts connections and never answers', () => {
  it('a script that falls off its end exits within the beforeExit bound (2 s), not once per batch', async () => {
    const collector = await receiver({ type: 'hang' });
    const r = await run('exit-app.mjs', 'fall-off', 3000, endpoint(collector.url));
    expect(r.code, r.stderr).toBe(0);
    // Before: 40 s for 3 000 spans (10 s per pending batch).
    expect(r.exitedAt - r.done.t).toBeLessThan(4000);
    expect(collector.requests.length).toBeGreaterThan(0);
  });

  it('await shutdown() settles within its bound, and the process exits at once after it', async () => {
    const collector = await receiver({ type: 'hang' });
    const r = await run('exit-app.mjs', 'shutdown', 3000, { ...endpoint(collector.url), OTEL_BSP_EXPORT_TIMEOUT: '1000' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.settled).toBeDefined();
    expect(r.settled!.t - r.done.t).toBeLessThan(1000 + 1500);
    // Before: 9 s more, sockets of the hung export still open.
    expect(r.exitedAt - r.settled!.t).toBeLessThan(1000);
    const stats = r.settled!.stats;
    expectAccounted(stats);
    expect(stats.exported).toBe(0);
    expect(stats.queueDepth).toBe(0);
    expect(stats.dropped.shutdown).toBeGreaterThan(0);
    expect(collector.maxConcurrent).toBe(1);
  });
});

describe('a collector that is not there (connection refused)', () => {
  it('await shutdown() in an ES module settles quickly (no retries at shutdown) and the module ends with code 0, not 13', async () => {
    const port = await closedPort();
    const r = await run('exit-app.mjs', 'shutdown', 3000, endpoint(`http://127.0.0.1:${port}`));
    expect(r.code, r.stderr).toBe(0);
    expect(r.settled).toBeDefined();
    // Before: the full 30 s shutdown timeout (retries on every batch), or exit code 13.
    expect(r.settled!.t - r.done.t).toBeLessThan(3000);
    const stats = r.settled!.stats;
    expectAccounted(stats);
    expect(stats.exported).toBe(0);
    expect(stats.queueDepth).toBe(0);
    expect(stats.retries).toBe(0);
  });

  it('await forceFlush() in an ES module settles within its bound (retries included) and the module ends with code 0', async () => {
    const port = await closedPort();
    const r = await run('exit-app.mjs', 'flush', 100, {
      ...endpoint(`http://127.0.0.1:${port}`),
      OTEL_EXPORTER_OTLP_TIMEOUT: '1500',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.settled).toBeDefined();
    const stats = r.settled!.stats;
    expectAccounted(stats);
    expect(stats.dropped.exportFailed).toBe(100);
    expect(stats.retries).toBeGreaterThan(0);
  });

  it.each(['shutdown', 'flush'])('CommonJS: the .then() of %s() runs before the process exits', async (mode) => {
    const port = await closedPort();
    const r = await run('exit-app.cjs', mode, 100, { ...endpoint(`http://127.0.0.1:${port}`), OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.settled, r.stdout).toBeDefined();
    expectAccounted(r.settled!.stats);
  });
});

describe('stats() matches what the collector received', () => {
  it('a healthy collector: a script that falls off its end delivers every queued span before it exits', async () => {
    const collector = await receiver({ type: 'ok' });
    const r = await run('exit-app.mjs', 'fall-off', 3000, endpoint(collector.url));
    expect(r.code, r.stderr).toBe(0);
    // The loop never reaches I/O: one batch in flight, 2 048 queued, the rest dropped and counted.
    const { stats } = r.done;
    expectAccounted(stats);
    expect(stats.dropped.queueFull).toBe(3000 - 512 - 2048);
    expect(collector.acceptedSpans()).toHaveLength(3000 - stats.dropped.queueFull);
    expect(collector.requests.every((q) => q.schemaError === null)).toBe(true);
  });

  it('a collector slower than the export timeout: the request is not outlived, counted as failed, one export at a time', async () => {
    const collector = await receiver({ type: 'slow', delayMillis: 1500 });
    const r = await run('exit-app.mjs', 'flush', 1536, { ...endpoint(collector.url), OTEL_BSP_EXPORT_TIMEOUT: '500' });
    expect(r.code, r.stderr).toBe(0);
    const stats = r.settled!.stats;
    expectAccounted(stats);
    // Before: the collector got 1 536 spans while stats said exported 0, two exports in flight.
    // When its slow answers come due, it finds every client gone.
    expect(collector.requests.length).toBeGreaterThan(0);
    await until(() => collector.requests.every((q) => q.abandonedByClient), 'the collector to find every request abandoned');
    expect(stats.exported).toBe(collector.acceptedSpans().length);
    expect(stats.exported).toBe(0);
    expect(collector.maxConcurrent).toBe(1);
  });

  it('a slow collector within the export timeout: everything exported and counted once, one export at a time', async () => {
    const collector = await receiver({ type: 'slow', delayMillis: 200 });
    const r = await run('exit-app.mjs', 'shutdown', 1536, { ...endpoint(collector.url), OTEL_BSP_EXPORT_TIMEOUT: '5000' });
    expect(r.code, r.stderr).toBe(0);
    const stats = r.settled!.stats;
    expectAccounted(stats);
    expect(stats.exported).toBe(1536);
    expect(collector.acceptedSpans()).toHaveLength(1536);
    expect(collector.maxConcurrent).toBe(1);
  });
});

describe('Ctrl-C with spans pending and a collector that hangs', () => {
  async function interrupt(args: string[], env: Record<string, string>, second: boolean): Promise<{ result: ChildResult; ms: number }> {
    let child: import('node:child_process').ChildProcess | undefined;
    let sentAt = 0;
    const done = runNode('signal-otlp-app.mjs', args, {
      env,
      timeoutMs: 20_000,
      onStdout: (chunk, c) => {
        if (!chunk.includes('ready')) return;
        child = c;
        sentAt = Date.now();
        c.kill('SIGINT');
        if (second) setTimeout(() => c.kill('SIGINT'), 800);
      },
    });
    const result = await done;
    void child;
    return { result, ms: Date.now() - sentAt };
  }

  it('says once that it is flushing, and how to quit; a second Ctrl-C quits at once', async () => {
    const hanging = await receiver({ type: 'hang' });
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: hanging.url };
    const { result, ms } = await interrupt([], env, true);
    expect(result.signal).toBe('SIGINT');
    expect(result.stderr).toBe('tracelight: flushing 3 spans before exit (at most 5 s; Ctrl-C again to quit)\n');
    expect(ms).toBeLessThan(3000); // the second Ctrl-C, not the 5 s bound
  });

  it('says nothing with logLevel none, and nothing when the collector answers at once', async () => {
    const hanging = await receiver({ type: 'hang' });
    const quiet = await interrupt(['none'], { OTEL_EXPORTER_OTLP_ENDPOINT: hanging.url }, true);
    expect(quiet.result.signal).toBe('SIGINT');
    expect(quiet.result.stderr).toBe('');
    const healthy = await receiver({ type: 'ok' });
    const fast = await interrupt([], { OTEL_EXPORTER_OTLP_ENDPOINT: healthy.url }, false);
    expect(fast.result.signal).toBe('SIGINT');
    expect(fast.result.stderr).toBe('');
    expect(healthy.acceptedSpans()).toHaveLength(3);
  });
});

/**
 * Issue #22, serverless: a bundled function whose handler ends with `await handle.forceFlush()`,
 * in a process frozen (SIGSTOP) and thawed (SIGCONT) between invocations and in the middle of
 * one, as serverless platforms do. Every invocation's spans are at the collector when the
 * handler returns; after a thaw, timers fire, the kept-alive connection the collector closed
 * meanwhile is replaced, span times follow the wall clock, and nothing throws or hangs.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../exporters/otlp-receiver.js';
import { cleanEnv } from '../helpers/child.js';
import { bundle } from './bundlers.js';
import type { Bundle } from './bundlers.js';

interface Answer {
  id: number;
  result?: { ok: boolean };
  error?: string;
  millis: number;
  now: number;
  stats: { exported: number; dropped: { exportFailed: number }; queueDepth: number };
}

/** The bundled handler app, running, with a way to invoke it and to freeze it. */
class Fn {
  readonly answers: Answer[] = [];
  stderr = '';
  private readonly _child: ChildProcess;
  private readonly _exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private _waiters: Array<() => void> = [];

  constructor(b: Bundle, env: Record<string, string>) {
    this._child = spawn(process.execPath, [b.file], { cwd: b.dir, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let buffered = '';
    this._child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        this.answers.push(JSON.parse(buffered.slice(0, nl)) as Answer);
        buffered = buffered.slice(nl + 1);
        for (const wake of this._waiters.splice(0)) wake();
      }
    });
    this._child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    this._exit = new Promise((resolve) => this._child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Sends one invocation; resolves with its answer (rejects after `timeoutMs`). */
  async invoke(id: number, waitMs = 5, timeoutMs = 15_000): Promise<Answer> {
    this.send(id, waitMs);
    return this.answer(id, timeoutMs);
  }

  send(id: number, waitMs = 5): void {
    this._child.stdin!.write(`${JSON.stringify({ id, waitMs })}\n`);
  }

  async answer(id: number, timeoutMs = 15_000): Promise<Answer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.answers.find((a) => a.id === id);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no answer to invocation ${id}; stderr: ${this.stderr}`);
      await Promise.race([new Promise<void>((resolve) => this._waiters.push(resolve)), sleep(100)]);
    }
  }

  freeze(): void {
    this._child.kill('SIGSTOP');
  }

  thaw(): void {
    this._child.kill('SIGCONT');
  }

  /** Closes stdin (no more invocations) and waits for the process to end by itself. */
  async end(timeoutMs = 10_000) {
    this._child.stdin!.end();
    const timer = setTimeout(() => this._child.kill('SIGKILL'), timeoutMs);
    const result = await this._exit;
    clearTimeout(timer);
    return result;
  }

  kill(): void {
    this._child.kill('SIGKILL');
  }
}

let receiver: OtlpReceiver | undefined;
let fn: Fn | undefined;
let built: Bundle | undefined;
afterEach(async () => {
  fn?.kill();
  fn = undefined;
  await receiver?.close();
  receiver = undefined;
  if (built) rmSync(built.dir, { recursive: true, force: true });
  built = undefined;
});

function spansOf(id: number) {
  return receiver!
    .acceptedSpans()
    .filter((s) => s.name === 'invocation' && s.attributes['app.invocation'] === id)
    .flatMap((root) => receiver!.acceptedSpans().filter((s) => s.traceId === root.traceId));
}

describe('serverless: await handle.forceFlush() at the end of the handler, in a process frozen and thawed', () => {
  it('each invocation is delivered before it returns, across freezes between and during invocations', async () => {
    // The collector closes idle connections after 200 ms, so the one kept alive from the last
    // invocation is gone when the frozen process wakes up.
    receiver = await OtlpReceiver.start({ keepAliveTimeoutMillis: 200 });
    built = await bundle('esbuild-cjs', 'handler-app.mjs');
    // The batch delay (5 s by default) is longer than the test: only the flush delivers.
    fn = new Fn(built, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_TIMEOUT: '5000' });

    const first = await fn.invoke(1);
    expect(first.result).toEqual({ ok: true });
    expect(spansOf(1).map((s) => s.name).sort()).toEqual(['invocation', 'work']);

    // Frozen between invocations, longer than the collector keeps the connection.
    fn.freeze();
    await sleep(1000);
    fn.thaw();
    const second = await fn.invoke(2);
    expect(second.result).toEqual({ ok: true });
    expect(spansOf(2).map((s) => s.name).sort()).toEqual(['invocation', 'work']);
    // A new connection: the old one was closed by the collector while the process was frozen.
    const ports = receiver.requests.map((r) => r.remotePort);
    expect(ports).toHaveLength(2);
    expect(ports[1]).not.toBe(ports[0]);

    // Frozen in the middle of an invocation (its 300 ms timer pending): the timer fires after the
    // thaw, the spans last as long as the wall clock says, and they end at the wall time.
    fn.send(3, 300);
    await sleep(100);
    fn.freeze();
    const frozenAt = Date.now();
    await sleep(1000);
    fn.thaw();
    const third = await fn.answer(3);
    expect(third.result).toEqual({ ok: true });
    const work = spansOf(3).find((s) => s.name === 'work')!;
    const durationMs = Number(BigInt(work.endTimeUnixNano) - BigInt(work.startTimeUnixNano)) / 1e6;
    expect(durationMs).toBeGreaterThanOrEqual(1000);
    const endMs = Number(BigInt(work.endTimeUnixNano) / 1_000_000n);
    expect(endMs).toBeGreaterThanOrEqual(frozenAt + 1000);
    expect(Math.abs(endMs - third.now)).toBeLessThan(1000);

    const last = await fn.invoke(4);
    expect(last.stats).toMatchObject({ exported: 8, dropped: { exportFailed: 0 }, queueDepth: 0 });
    expect(receiver.acceptedSpans()).toHaveLength(8);
    const exit = await fn.end();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(fn.stderr).toBe('');
  });

  it('with the collector hanging, the flush gives up at the export timeout and the handler returns', async () => {
    receiver = await OtlpReceiver.start({ behaviour: { type: 'hang' } });
    built = await bundle('esbuild-cjs', 'handler-app.mjs');
    fn = new Fn(built, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
    const answer = await fn.invoke(1);
    expect(answer.result).toEqual({ ok: true });
    expect(answer.millis).toBeGreaterThanOrEqual(900);
    expect(answer.millis).toBeLessThan(4000);
    expect(answer.stats).toMatchObject({ exported: 0, dropped: { exportFailed: 2 }, queueDepth: 0 });
    expect(receiver.requests.length).toBeGreaterThanOrEqual(1);
    const exit = await fn.end();
    expect(exit).toEqual({ code: 0, signal: null });
  });
});

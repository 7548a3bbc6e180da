/**
 * Tiny benchmark kit: cases run interleaved (order rotated every round) in one process, and each
 * case reports the median time per operation over the rounds, plus its ratio to a baseline case.
 * The machine is small and noisy: compare ratios within one run, never absolute figures across runs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

export type BenchFn = () => unknown;

export interface CompareOptions {
  /** Operations per case per round. */
  iterations?: number;
  /** Rounds; the median of these is reported. */
  rounds?: number;
  /** Await every call (for async bodies). */
  async?: boolean;
  /** Name of the case the ratios are relative to (default: the first). */
  baseline?: string;
}

export interface CaseResult {
  name: string;
  medianNsPerOp: number;
  ratio: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timeCase(fn: BenchFn, iterations: number, isAsync: boolean): Promise<number> {
  const start = performance.now();
  if (isAsync) {
    for (let i = 0; i < iterations; i++) await fn();
  } else {
    for (let i = 0; i < iterations; i++) fn();
  }
  return ((performance.now() - start) * 1e6) / iterations;
}

/** Runs the cases interleaved and prints a markdown table; returns the medians. */
export async function compare(
  title: string,
  cases: Record<string, BenchFn>,
  options: CompareOptions = {},
): Promise<CaseResult[]> {
  const iterations = options.iterations ?? 50_000;
  const rounds = options.rounds ?? 9;
  const names = Object.keys(cases);
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  // Warm-up: let the JIT settle on every case before measuring.
  for (const n of names) await timeCase(cases[n]!, Math.min(iterations, 10_000), !!options.async);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + r) % names.length]!;
      samples.get(n)!.push(await timeCase(cases[n]!, iterations, !!options.async));
    }
  }
  const base = median(samples.get(options.baseline ?? names[0]!)!);
  const results = names.map((name) => {
    const m = median(samples.get(name)!);
    return { name, medianNsPerOp: m, ratio: m / base };
  });
  printTable(title, results, `${rounds} rounds × ${iterations} ops, ratio vs "${options.baseline ?? names[0]}"`);
  return results;
}

/** Prints results as a markdown table (the format bench/RESULTS.md keeps). */
export function printTable(title: string, results: CaseResult[], note: string): void {
  const lines = [`### ${title}`, '', `_${note}_`, '', '| case | median ns/op | ratio |', '|---|---:|---:|'];
  for (const r of results) lines.push(`| ${r.name} | ${r.medianNsPerOp.toFixed(1)} | ${r.ratio.toFixed(2)} |`);
  console.log(lines.join('\n') + '\n');
}

export function header(): string {
  return `node ${process.version}, ${process.platform}/${process.arch}`;
}

/** Accepts and discards every batch, counting the spans it was given. */
export class DiscardExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Nanoseconds the main thread has run on a CPU (Linux `/proc/thread-self/schedstat`; elsewhere
 * the process's user + system time). Unlike elapsed time it leaves out the time the thread waited
 * for a core, most of the noise on a shared 2-core machine, and the JIT compiler's threads.
 */
export function mainThreadCpuNs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) * 1e3;
  }
}

let sink = 0;
/** A little work the optimiser cannot remove: the body the span benches time. */
export function work(): number {
  return (sink = (sink + 1) | 0);
}
/** {@link work} after one turn of the microtask queue. */
export async function asyncWork(): Promise<number> {
  await null;
  return work();
}

/**
 * Runs the calling script once per configuration and round, each in a fresh process
 * (`node --expose-gc <script> <configuration>`), interleaved so that drift on a noisy machine
 * reaches every configuration alike; each run prints its sample as the last line, in JSON.
 * Returns the samples by configuration, or `undefined` (exit code 1, stderr said why) when a
 * run fails.
 */
export function runInterleaved<S>(names: string[], rounds: number): Map<string, S[]> | undefined {
  const samples = new Map<string, S[]>(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length]!;
      const res = spawnSync(process.execPath, ['--expose-gc', process.argv[1]!, name], { encoding: 'utf8' });
      const line = res.stdout.trim().split('\n').pop() ?? '';
      if (res.status !== 0 || !line.startsWith('{')) {
        console.error(`configuration "${name}" failed:\n${res.stderr}`);
        process.exitCode = 1;
        return undefined;
      }
      samples.get(name)!.push(JSON.parse(line) as S);
    }
  }
  return samples;
}

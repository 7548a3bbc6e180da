import { spawn } from 'node:child_process';
import type { SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Folder of the child-process fixtures. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Env for fixtures: no OTEL_* from the developer's shell leaks in. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && k !== 'NO_COLOR' && k !== 'FORCE_COLOR') env[k] = v;
  return { ...env, ...extra };
}

/**
 * Runs `node [nodeArgs] script [args]` in the fixtures folder (or `cwd`) and resolves when it exits; kills it
 * after `timeoutMs` (and then rejects) so a hung child cannot hang the suite.
 */
export function runNode(
  script: string,
  args: string[] = [],
  options: {
    nodeArgs?: string[];
    env?: Record<string, string>;
    timeoutMs?: number;
    /** Working directory; the fixtures folder unless given. */
    cwd?: string;
    onStdout?: (chunk: string, child: import('node:child_process').ChildProcess) => void;
  } = {},
): Promise<ChildResult> {
  const spawnOptions: SpawnOptions = { cwd: options.cwd ?? FIXTURES, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], spawnOptions);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    options.onStdout?.(c, child);
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not exit within ${options.timeoutMs ?? 15000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 15000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

/** Parses the JSON lines a fixture wrote (lines that are not JSON are ignored). */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // not ours
    }
  }
  return out;
}

/**
 * Starts the built `tracelight view` (dist/viewer/cli.js) as a child process on 127.0.0.1 port 0
 * and reads the URL it prints. Tests must call `stop()`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from '../helpers/child.js';

export const CLI = fileURLToPath(new URL('../../dist/viewer/cli.js', import.meta.url));

export interface RunningViewer {
  /** Base URL, ending in `/`. */
  url: string;
  port: number;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts a viewer with these extra arguments (`--port 0` unless a port is given). */
export function startViewer(args: string[] = [], options: { nodeArgs?: string[]; node?: string } = {}): Promise<RunningViewer> {
  const all = ['view', ...(args.includes('--port') ? [] : ['--port', '0']), ...args];
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), CLI, ...all], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`viewer did not print its URL in 15 s; stdout: ${out}; stderr: ${err}`));
    }, 15_000);
    const check = (): void => {
      const m = /tracelight viewer: (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve({
        url: m[1]!,
        port: Number(m[2]),
        child,
        stdout: () => out,
        stderr: () => err,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`viewer exited (${code}) before printing its URL; stdout: ${out}; stderr: ${err}`));
    });
  });
}

/**
 * What the HTTP-server benches (http, express) share: a server in a child process of the bench
 * (it prints `READY <port>`), stopping it, and autocannon in a process of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Starts `node <self> ...args` and resolves with its port once it prints `READY <port>`. */
export function startChild(self: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [self, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${args.join(' ')} did not start`));
    }, 15_000);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child ${args.join(' ')} exited with ${code}`));
    });
  });
}

/** Kills the child and resolves when it has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** What autocannon measured. */
export interface Load {
  reqPerSec: number;
  p99: number;
  errors: number;
}

/** autocannon against `url` in its own process, `connections` at a time, JSON result. */
export function load(url: string, connections: number, seconds: number): Promise<Load> {
  const bin = require.resolve('autocannon/autocannon.js');
  const child = spawn(process.execPath, [bin, '-c', String(connections), '-d', String(seconds), '-j', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('exit', () => {
      try {
        const r = JSON.parse(out) as { requests: { average: number }; latency: { p99: number }; errors: number; non2xx: number };
        resolve({ reqPerSec: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx });
      } catch (err) {
        reject(new Error(`autocannon printed no JSON: ${String(err)}\n${out.slice(0, 500)}`));
      }
    });
  });
}

/** The median; the mean of the middle two for an even count. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

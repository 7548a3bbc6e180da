// The demo's child processes: started with fork() (an IPC channel each), and stopped on every
// path out of the demo: at the end, on a failure, on SIGINT/SIGTERM/SIGHUP, and as a last resort
// when the demo process exits. Each child also exits by itself when its IPC channel closes
// (service.mjs), so none outlives the demo even if it is killed with SIGKILL.
import { fork } from 'node:child_process';
import { constants } from 'node:os';

/** How long one step (a process starting, an answer, a trace) may take. */
export const STEP_TIMEOUT_MS = 15_000;

const children = new Map(); // name -> ChildProcess, in start order
const counters = new Map(); // name -> the tracing counters it sent as it stopped
let stopping = false;

function alive(child) {
  return child.exitCode === null && child.signalCode === null;
}

/** Rejects with "`what` within N ms" unless `promise` settles first. */
export function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Forks `script` (next to this file) and resolves once it is ready: `{ child, pid, url }`. */
export function start(name, script, env = process.env) {
  const child = fork(new URL(script, import.meta.url), [], { env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.set(name, child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
    child.on('message', (message) => {
      if (message?.stopped !== undefined) counters.set(name, message.stopped);
      if (message?.ready !== true) return;
      clearTimeout(timer);
      resolve({ child, pid: child.pid, url: message.url });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready`));
      if (!stopping) fail(new Error(`${name} (pid ${child.pid}) stopped unexpectedly (${signal ?? `exit code ${code}`})`));
    });
  });
}

function exited(child, ms) {
  if (!alive(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Stops every process, in the reverse order of their start (the services before the receiver
 * they flush their spans to, and before the broker): asks each to stop, and kills it if it has
 * not exited within `graceMs`. Resolves with `{ started, left }`: how many processes were
 * started, how many are still running (0 unless the system would not kill one).
 */
export async function stopAll(graceMs = 5000) {
  stopping = true;
  for (const child of [...children.values()].reverse()) {
    if (!alive(child)) continue;
    if (child.connected) child.send({ stop: true });
    if (await exited(child, graceMs)) continue;
    child.kill('SIGKILL');
    await exited(child, 2000);
  }
  return { started: children.size, left: [...children.values()].filter(alive).length };
}

/** The tracing counters (`handle.stats()`) a process sent as it stopped, if it did. */
export function countersOf(name) {
  return counters.get(name);
}

let failing = false;
async function fail(err) {
  if (failing || stopping) return; // already on the way out
  failing = true;
  console.error(`\ndemo failed: ${err?.message ?? err}`);
  await stopAll(1000);
  process.exit(1);
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    if (stopping) return;
    console.error(`\n${signal}: stopping the demo's processes`);
    await stopAll(1000);
    process.exit(128 + constants.signals[signal]);
  });
}
process.on('exit', () => {
  for (const child of children.values()) if (alive(child)) child.kill('SIGKILL');
});

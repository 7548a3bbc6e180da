/**
 * Context `with()` on the hot path: tracelight's manager vs the official
 * AsyncLocalStorageContextManager, with raw `AsyncLocalStorage.run` as the floor.
 * Target: ours no slower than the official one.
 */
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Context, ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AsyncLocalStorage } from 'node:async_hooks';
import { TracelightContextManager } from '../src/context/async-local-storage-context-manager.js';
import { compare, header } from './lib.js';

const ctx: Context = ROOT_CONTEXT.setValue(createContextKey('bench'), 1);
const ours = new TracelightContextManager();
const official = new AsyncLocalStorageContextManager();
const als = new AsyncLocalStorage<Context>();

let sink = 0;
function work(): number {
  return ++sink;
}
const self = { n: 0 };
function method(this: { n: number }, a: number): number {
  return (this.n += a);
}

console.log(header() + '\n');

await compare(
  'with(ctx, fn): sync callback, no thisArg',
  {
    'raw AsyncLocalStorage.run (floor)': () => als.run(ctx, work),
    'official with': () => official.with(ctx, work),
    'tracelight with': () => ours.with(ctx, work),
  },
  { iterations: 100_000, baseline: 'official with' },
);

await compare(
  'with(ctx, fn, thisArg, arg): sync method call',
  {
    'raw AsyncLocalStorage.run (floor)': () => als.run(ctx, () => method.call(self, 1)),
    'official with': () => official.with(ctx, method, self, 1),
    'tracelight with': () => ours.with(ctx, method, self, 1),
  },
  { iterations: 100_000, baseline: 'official with' },
);

// Through @opentelemetry/api. Only one manager can be the global at a time, and compare() has no
// per-batch hook, so each case points the API's registry slot at its manager before calling
// (a single property store, paid equally by both cases). Registry layout: api 1.x global-utils.
context.setGlobalContextManager(ours);
const registry = (globalThis as Record<symbol, { context?: ContextManager } | undefined>)[
  Symbol.for('opentelemetry.js.api.1')
];
if (registry?.context !== ours) throw new Error('unexpected @opentelemetry/api registry layout');

await compare(
  'context.with(ctx, fn) through @opentelemetry/api',
  {
    'api → official': () => {
      registry.context = official;
      return context.with(ctx, work);
    },
    'api → tracelight': () => {
      registry.context = ours;
      return context.with(ctx, work);
    },
  },
  { iterations: 100_000 },
);
context.disable();

if (sink === 0) console.log('unreachable');

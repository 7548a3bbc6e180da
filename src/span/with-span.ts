import {
  context as contextApi,
  INVALID_SPAN_CONTEXT,
  trace,
  type Attributes,
  type Context,
  type ContextManager,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type TimeInput,
  type Tracer,
} from '@opentelemetry/api';
import { TracelightContextManager } from '../context/async-local-storage-context-manager.js';
import { errorOnce } from '../internal/diag.js';
import { otelGlobals } from '../internal/otel-globals.js';
import { processState } from '../internal/process-state.js';
import { lightBase } from '../internal/light-context.js';
import { describeError } from '../internal/safe-call.js';
import { failSpan } from '../internal/fail-span.js';
import { LightTracer } from './tracer.js';

/** Name of the tracer `withSpan` and `traced` take from the global provider. */
export const WITH_SPAN_TRACER_NAME = 'tracelight';

/** Options of `withSpan` and {@link traced}. */
export interface WithSpanOptions {
  /** Start attributes (visible to the sampler). */
  attributes?: Attributes;
  /** Default `SpanKind.INTERNAL`. */
  kind?: SpanKind;
  /** Links to other spans (e.g. the messages of a batch), visible to the sampler. */
  links?: Link[];
  /** Start a new trace, ignoring the active span (and `parent`). */
  root?: boolean;
  /** Default now. A `Date`, epoch or `performance.now()` milliseconds, or an `HrTime`. */
  startTime?: TimeInput;
  /**
   * Parent other than the active span: a `Context` (also becomes the context `fn` runs in, plus
   * the new span) or a `SpanContext` (e.g. extracted from a message) set on the active context.
   */
  parent?: Context | SpanContext;
}

/** The function `withSpan` runs; it receives the new span, active for its whole duration. */
export type SpanBody<T> = (span: Span) => T;

const shared = processState.withSpan;

/**
 * Makes `withSpan`/`traced` use `tracer` instead of looking up `trace.getTracer('tracelight')`
 * on every call, and, when given, `manager` (the context manager `init()` registered globally)
 * instead of going through the API's global lookup (a version check per call) twice per span.
 * `undefined` restores the lookups (e.g. on shutdown, or when another provider takes over).
 * Shared by every copy of tracelight in the process; ignored from the moment the API's globals
 * change (`trace.disable()`, `context.disable()`).
 * @internal
 */
export function setWithSpanTracer(tracer: Tracer | undefined, manager?: ContextManager): void {
  shared.tracer = tracer;
  shared.manager = tracer === undefined ? undefined : manager;
  shared.traceGlobal = tracer === undefined ? undefined : otelGlobals()?.trace;
}

/**
 * Runs `fn` in a new span that is active for the whole of `fn`, including its asynchronous
 * continuations, and ends the span exactly once when `fn` returns or, if it returns a promise or
 * other thenable, when that settles.
 *
 * Returns what `fn` returns: the same value, or for a promise/thenable a native promise of the
 * same value (so `await withSpan(...)` sees exactly what `await fn()` would). If `fn` throws or
 * its promise rejects, the exception is recorded on the span, the status becomes ERROR with the
 * error's message, and the very same error is rethrown.
 *
 * Works under any tracer provider: with none registered, `fn` gets a non-recording span and
 * still runs.
 *
 * @example
 * const user = await withSpan('load-user', { attributes: { 'user.id': id } }, async (span) => {
 *   return db.users.find(id);
 * });
 */
export function withSpan<T>(name: string, fn: SpanBody<T>): T;
/** As above, with {@link WithSpanOptions} (attributes, kind, links, parent, root, start time). */
export function withSpan<T>(name: string, options: WithSpanOptions | undefined, fn: SpanBody<T>): T;
export function withSpan<T>(
  name: string,
  optionsOrFn: WithSpanOptions | SpanBody<T> | undefined,
  maybeFn?: SpanBody<T>,
): T {
  if (typeof optionsOrFn === 'function') return startAndRun(name, undefined, optionsOrFn, undefined, undefined);
  return startAndRun(name, optionsOrFn, maybeFn as SpanBody<T>, undefined, undefined);
}

/**
 * Counts a `withSpan` call made while no tracer provider is registered at all (the API's proxy
 * has no delegate): its span is lost, and `init()` says how many were, since calling `withSpan`
 * before `init()` is an easy mistake to make and impossible to see.
 */
function countIfNoProvider(): void {
  const provider = trace.getTracerProvider() as { getDelegateTracer?: (name: string) => unknown };
  if (typeof provider.getDelegateTracer === 'function' && provider.getDelegateTracer(WITH_SPAN_TRACER_NAME) === undefined) {
    processState.spansBeforeInit = (processState.spansBeforeInit ?? 0) + 1;
  }
}

/**
 * Starts a span and runs `fn` in it: `fn(span)` when `args` is undefined, else
 * `fn.apply(thisArg, args)` (for `traced`). Shared so neither caller builds a closure per call.
 * @internal
 */
export function startAndRun<T>(
  name: string,
  options: WithSpanOptions | undefined,
  fn: (...args: any[]) => T,
  thisArg: unknown,
  args: unknown[] | undefined,
): T {
  const globals = otelGlobals();
  const manager = shared.manager !== undefined && globals?.context === shared.manager ? shared.manager : undefined;
  let parentContext = manager !== undefined ? manager.active() : contextApi.active();
  if (options !== undefined && options.parent !== undefined && !options.root) {
    parentContext = resolveParent(parentContext, options.parent);
  }
  let span: Span;
  try {
    const tracer =
      shared.tracer !== undefined && globals?.trace === shared.traceGlobal ? shared.tracer : trace.getTracer(WITH_SPAN_TRACER_NAME);
    if (shared.tracer === undefined) countIfNoProvider();
    span =
      tracer instanceof LightTracer
        ? tracer._start(name, options, parentContext)
        : tracer.startSpan(name, options, parentContext);
  } catch (err) {
    errorOnce('with-span.start', `starting span "${name}" failed (${describeError(err)}); running without a span.`);
    span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  }
  const active = trace.setSpan(lightBase(parentContext), span);
  // Our own manager (of this copy of tracelight): one `AsyncLocalStorage.run` with two
  // arguments, without the rest parameter and spread of `with`.
  if (args === undefined && manager instanceof TracelightContextManager) return manager._run(active, runWithSpan, fn, span);
  const ctx = manager !== undefined ? manager : contextApi;
  return args === undefined
    ? (ctx.with(active, runWithSpan, undefined, fn, span) as T)
    : (ctx.with(active, runApplied, undefined, fn, span, thisArg, args) as T);
}

function resolveParent(active: Context, parent: Context | SpanContext): Context {
  if (typeof (parent as Context).getValue === 'function') return parent as Context;
  return trace.setSpanContext(active, parent as SpanContext);
}

function runWithSpan<T>(fn: (span: Span) => T, span: Span): T {
  let result: T;
  try {
    result = fn(span);
  } catch (err) {
    failSpan(span, err);
    endSpan(span);
    throw err;
  }
  return finish(result, span);
}

function runApplied<T>(fn: (...args: any[]) => T, span: Span, thisArg: unknown, args: unknown[]): T {
  let result: T;
  try {
    result = Reflect.apply(fn, thisArg, args);
  } catch (err) {
    failSpan(span, err);
    endSpan(span);
    throw err;
  }
  return finish(result, span);
}

/** Ends the span now, or when a returned promise/thenable settles (then returns a promise of its value). */
function finish<T>(result: T, span: Span): T {
  if (!isThenable(result)) {
    endSpan(span);
    return result;
  }
  // `.then` with two small closures rather than an `async` helper: with AsyncLocalStorage active
  // every promise runs the async-hooks init hook, and an `await` costs two promises where `.then`
  // costs one.
  const onFulfilled = (value: unknown): unknown => {
    endSpan(span);
    return value;
  };
  const onRejected = (err: unknown): never => {
    failSpan(span, err);
    endSpan(span);
    throw err;
  };
  const promise = result instanceof Promise ? result : Promise.resolve(result);
  return promise.then(onFulfilled, onRejected) as T;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

function endSpan(span: Span): void {
  try {
    span.end();
  } catch (err) {
    errorOnce('with-span.end', `span.end() threw (${describeError(err)}); the tracer provider may be faulty.`);
  }
}


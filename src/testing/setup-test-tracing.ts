import { context, propagation, trace } from '@opentelemetry/api';
import { AlwaysOnSampler, defaultResource, InMemorySpanExporter, resourceFromAttributes, SimpleSpanProcessor } from '../internal/sdk.js';
import type { ReadableSpan, Sampler, SpanLimits } from '../internal/sdk.js';
import { TracelightContextManager } from '../context/async-local-storage-context-manager.js';
import { createPropagator } from '../propagation/composite.js';
import { createRedactor } from '../span/redact.js';
import type { RedactOptions } from '../span/redact.js';
import { LightTracerProvider } from '../span/tracer-provider.js';
import { setWithSpanTracer } from '../span/with-span.js';
import { buildTree, toPlainSpan } from './plain-span.js';
import type { PlainSpan, SpanTree } from './plain-span.js';

/** Options of {@link setupTestTracing}. */
export interface TestTracingOptions {
  /** `service.name` of the spans (default `test`). */
  serviceName?: string;
  /** Default: sample everything, so tests see every span. */
  sampler?: Sampler;
  /** Attribute, event and link limits, as `init()` takes them. */
  spanLimits?: SpanLimits;
  /** Redaction as in `init()`; on by default, like production. */
  redact?: RedactOptions | false;
}

/** What {@link setupTestTracing} returns: the finished spans, in views easy to assert on. */
export interface TestTracing {
  /** Finished spans, in the order they ended, as plain objects. */
  spans(): PlainSpan[];
  /** Finished spans as the SDK's `ReadableSpan`s. */
  readableSpans(): ReadableSpan[];
  /** The first finished span with this name. */
  find(name: string): PlainSpan | undefined;
  /** Every finished span with this name. */
  findAll(name: string): PlainSpan[];
  /** Finished spans nested by parent (roots first, siblings by start time). */
  tree(): SpanTree[];
  /** Forgets the spans recorded so far (call it in `beforeEach`). */
  reset(): void;
  /** Unregisters everything it registered. */
  shutdown(): Promise<void>;
}

let active: TestTracing | undefined;

/**
 * Registers tracelight for a test process, with spans kept in memory and sampled always, and
 * returns views of the finished spans. Works with vitest, jest and `node:test` alike (it knows
 * none of them). It replaces whatever tracer provider, context manager and propagator were
 * registered; a second call returns the same instance, reset.
 *
 * @example
 * ```ts
 * const tracing = setupTestTracing();
 * beforeEach(() => tracing.reset());
 * it('traces checkout', async () => {
 *   await checkout();
 *   expect(tracing.tree()).toMatchObject([{ name: 'checkout', children: [{ name: 'charge' }] }]);
 * });
 * ```
 */
export function setupTestTracing(options: TestTracingOptions = {}): TestTracing {
  if (active) {
    active.reset();
    return active;
  }
  const exporter = new InMemorySpanExporter();
  const provider = new LightTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': options.serviceName ?? 'test' })),
    sampler: options.sampler ?? new AlwaysOnSampler(),
    ...(options.spanLimits ? { spanLimits: options.spanLimits } : {}),
    spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })],
    redactor: createRedactor(options.redact ?? {}),
  });
  trace.disable();
  context.disable();
  propagation.disable();
  const manager = new TracelightContextManager();
  context.setGlobalContextManager(manager);
  propagation.setGlobalPropagator(createPropagator(['tracecontext', 'baggage']));
  trace.setGlobalTracerProvider(provider);
  setWithSpanTracer(provider.getTracer('tracelight'), manager);

  const readable = () => exporter.getFinishedSpans();
  const instance: TestTracing = {
    spans: () => readable().map(toPlainSpan),
    readableSpans: readable,
    find: (name) => {
      const s = readable().find((x) => x.name === name);
      return s && toPlainSpan(s);
    },
    findAll: (name) => readable().filter((x) => x.name === name).map(toPlainSpan),
    tree: () => buildTree(readable()),
    reset: () => exporter.reset(),
    async shutdown() {
      active = undefined;
      setWithSpanTracer(undefined);
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  active = instance;
  return instance;
}

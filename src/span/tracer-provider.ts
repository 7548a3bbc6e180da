import type { Tracer, TracerOptions, TracerProvider } from '@opentelemetry/api';
import { defaultResource } from '../internal/sdk.js';
import type { Resource, Sampler, SpanLimits, SpanProcessor } from '../internal/sdk.js';
import { errorOnce } from '../internal/diag.js';
import { describeError } from '../internal/safe-call.js';
import { parentBasedAlwaysOn } from './default-sampler.js';
import { OpenSpanTracker } from './open-span-tracker.js';
import { createRedactor, type Redactor } from './redact.js';
import { ProcessorChain, type ResolvedSpanLimits, type SpanCounters, type SpanRuntime } from './span-runtime.js';
import { LightTracer, type TracerState } from './tracer.js';

/** Development options of {@link LightTracerProvider}. */
export interface SpanDebugOptions {
  /**
   * Report spans still open after this many milliseconds through `diag.warn`, with the stack
   * where each was started. Costs a stack capture per span: for development only.
   */
  openSpanThresholdMs?: number;
}

/** Constructor options of {@link LightTracerProvider}; `src/config` builds them from `init()` options. */
export interface LightTracerProviderOptions {
  /** Resource of every span. Default: `defaultResource()`. */
  resource?: Resource;
  /** Default: `ParentBasedSampler({ root: AlwaysOnSampler })`, as the official provider. */
  sampler?: Sampler;
  /** Missing limits get the official defaults (128 per count, no value length limit). */
  spanLimits?: SpanLimits;
  /** Called in order on start and end of every recording span. */
  spanProcessors?: SpanProcessor[];
  /** Attribute redaction; default `createRedactor()` (on). Pass `createRedactor(false)` to disable. */
  redactor?: Redactor;
  debug?: SpanDebugOptions;
}

/** Span counts since the provider was created. */
export interface SpanStats {
  /** Sampled spans started. Non-recording and recorded-but-unsampled spans are not counted. */
  spansStarted: number;
  /** Sampled spans ended. */
  spansEnded: number;
  /** `spansStarted - spansEnded`: a number that keeps growing means spans are not ended. */
  spansOpen: number;
}

/**
 * The tracer provider `init()` registers: hands out {@link LightTracer}s that make lean spans the
 * official span processors and exporters accept. Implements the API `TracerProvider`, so it can
 * be registered with `trace.setGlobalTracerProvider()`.
 * @internal Built by `src/config`; users call `init()`.
 */
export class LightTracerProvider implements TracerProvider {
  private readonly _tracers = new Map<string, LightTracer>();
  private readonly _tracersByName = new Map<string, LightTracer>();
  private readonly _sampler: Sampler;
  private readonly _state: TracerState = { shutdown: false };
  private readonly _counters: SpanCounters = { started: 0, ended: 0 };
  private readonly _processors: ProcessorChain;
  private readonly _resource: Resource;
  private readonly _limits: ResolvedSpanLimits;
  private readonly _redactor: Redactor | undefined;
  private readonly _tracker: OpenSpanTracker | undefined;
  private _shutdownPromise: Promise<void> | undefined;

  constructor(options: LightTracerProviderOptions = {}) {
    this._resource = options.resource ?? defaultResource();
    this._sampler = options.sampler ?? parentBasedAlwaysOn();
    const l = options.spanLimits;
    this._limits = Object.freeze({
      attributeCountLimit: l?.attributeCountLimit ?? 128,
      attributeValueLengthLimit: l?.attributeValueLengthLimit ?? Infinity,
      eventCountLimit: l?.eventCountLimit ?? 128,
      linkCountLimit: l?.linkCountLimit ?? 128,
      attributePerEventCountLimit: l?.attributePerEventCountLimit ?? 128,
      attributePerLinkCountLimit: l?.attributePerLinkCountLimit ?? 128,
    });
    this._processors = new ProcessorChain([...(options.spanProcessors ?? [])]);
    const redactor = options.redactor ?? createRedactor();
    this._redactor = redactor.enabled ? redactor : undefined;
    const threshold = options.debug?.openSpanThresholdMs;
    this._tracker = typeof threshold === 'number' && threshold > 0 ? new OpenSpanTracker(threshold) : undefined;
  }

  /** Tracers are cached per name, version and schema URL, as in the official provider. */
  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    // `withSpan` without `init()` looks its tracer up by name on every call: skip building the key.
    if (version === undefined && options?.schemaUrl === undefined) {
      const byName = this._tracersByName.get(name);
      if (byName !== undefined) return byName;
    }
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    let tracer = this._tracers.get(key);
    if (tracer === undefined) {
      const rt: SpanRuntime = {
        resource: this._resource,
        scope: { name, version, schemaUrl: options?.schemaUrl },
        limits: this._limits,
        processors: this._processors,
        redactor: this._redactor,
        counters: this._counters,
        watcher: this._tracker,
      };
      tracer = new LightTracer(rt, this._sampler, this._state);
      this._tracers.set(key, tracer);
      if (version === undefined && options?.schemaUrl === undefined) this._tracersByName.set(name, tracer);
    }
    return tracer;
  }

  /** Exports every finished span now. Resolves even if a processor fails (reported once via `diag`). */
  async forceFlush(): Promise<void> {
    const results = await Promise.allSettled(this._processors.processors.map((p) => new Promise<void>((resolve) => resolve(p.forceFlush()))));
    for (const r of results) {
      if (r.status === 'rejected') {
        errorOnce('provider.flush', `a span processor failed to flush (${describeError(r.reason)}).`);
      }
    }
  }

  /**
   * Flushes and shuts down every processor; later calls return the same promise. After it, new
   * spans are non-recording (they still propagate context).
   */
  shutdown(): Promise<void> {
    if (this._shutdownPromise === undefined) {
      this._state.shutdown = true;
      this._tracker?.stop();
      this._shutdownPromise = Promise.allSettled(this._processors.processors.map((p) => new Promise<void>((resolve) => resolve(p.shutdown())))).then(
        (results) => {
          for (const r of results) {
            if (r.status === 'rejected') {
              errorOnce('provider.shutdown', `a span processor failed to shut down (${describeError(r.reason)}).`);
            }
          }
        },
      );
    }
    return this._shutdownPromise;
  }

  /** Span counts; see {@link SpanStats}. Only sampled spans are counted. */
  stats(): SpanStats {
    const { started, ended } = this._counters;
    return { spansStarted: started, spansEnded: ended, spansOpen: started - ended };
  }
}

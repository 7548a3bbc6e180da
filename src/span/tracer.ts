import {
  context as contextApi,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type Tracer,
  type TraceState,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '../internal/sdk-core.js';
import { SamplingDecision, type Sampler, type SamplingResult } from '../internal/sdk.js';
import { errorOnce } from '../internal/diag.js';
import { lightBase } from '../internal/light-context.js';
import { ATTRIBUTES_OWNED, type OwnedAttributesFlag } from '../internal/owned-attributes.js';
import { describeError } from '../internal/safe-call.js';
import { followsLocalParent } from '../internal/sampler-hints.js';
import { hasOwn, isRecordable, sanitizeAttributes } from './attributes.js';
import { isParentBasedAlwaysOn } from './default-sampler.js';
import { FLAG_RANDOM } from '../propagation/constants.js';
import { randomSpanId, randomTraceId } from './ids.js';
import { LightNonRecordingSpan } from './non-recording-span.js';
import { LightSpan } from './span.js';
import type { SpanRuntime } from './span-runtime.js';

const RECORD_AND_SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const NOT_RECORD: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });
/** What a sampler marked {@link followsLocalParent} gets for attributes and links: it reads neither. */
const NO_ATTRIBUTES: Attributes = Object.freeze({});
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];

/** Provider state a tracer reads on every span. @internal */
export interface TracerState {
  shutdown: boolean;
}

/**
 * The tracer behind `withSpan`: same contract as the official `Tracer` (parent from the context,
 * `root`, `isTracingSuppressed`, one `Sampler.shouldSample` call with the same arguments, RECORD
 * vs RECORD_AND_SAMPLED, sampler attributes and trace state), producing {@link LightSpan}s.
 *
 * Differences: traces it starts carry the W3C Level 2 `random` flag (0x02) because our ids are
 * random, and children keep their parent's flag; after the provider shuts down it hands out
 * non-recording spans that still propagate context.
 */
export class LightTracer implements Tracer {
  /** @internal */ readonly _rt: SpanRuntime;
  private readonly _sampler: Sampler;
  /** The sampler is the default `parentbased_always_on`: decided inline. */
  private readonly _parentBasedAlwaysOn: boolean;
  /** The sampler follows local parents and ignores attributes and links (see sampler-hints.ts). */
  private readonly _followsLocalParent: boolean;
  private readonly _state: TracerState;

  /** @internal Obtain tracers from `LightTracerProvider.getTracer`. */
  constructor(rt: SpanRuntime, sampler: Sampler, state: TracerState) {
    this._rt = rt;
    this._sampler = sampler;
    this._parentBasedAlwaysOn = isParentBasedAlwaysOn(sampler);
    this._followsLocalParent = !this._parentBasedAlwaysOn && followsLocalParent(sampler);
    this._state = state;
  }

  startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
    return this._start(name, options, ctx ?? contextApi.active());
  }

  /** {@link startSpan} with the context already resolved; the `withSpan` fast path. @internal */
  _start(name: string, options: SpanOptions | undefined, ctx: Context): Span {
    if (options !== undefined && options.root) ctx = trace.deleteSpan(ctx);
    // The root context holds nothing (its `setValue` returns a new context): no suppression and
    // no parent to look up in its map, the common case of `withSpan` outside any span.
    const isRoot = ctx === ROOT_CONTEXT;
    if (!isRoot && isTracingSuppressed(ctx)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

    let traceId: string;
    let traceState: TraceState | undefined;
    let randomFlag: number;
    let parentSpanContext: SpanContext | undefined;
    const parent = isRoot ? undefined : trace.getSpan(ctx);
    const psc = parent?.spanContext();
    if (
      psc !== undefined &&
      (parent instanceof LightSpan || parent instanceof LightNonRecordingSpan || isSpanContextValid(psc))
    ) {
      traceId = psc.traceId;
      traceState = psc.traceState;
      randomFlag = psc.traceFlags & FLAG_RANDOM;
      parentSpanContext = psc;
    } else {
      traceId = randomTraceId();
      randomFlag = FLAG_RANDOM;
    }
    const spanId = randomSpanId();
    const kind = options?.kind ?? SpanKind.INTERNAL;
    const optionAttributes = options?.attributes;
    // No object for a span without start attributes (most `withSpan` calls), unless a sampler
    // other than the default one gets to see (and possibly fill) it.
    let attributes: Attributes | undefined;
    if (optionAttributes === undefined) attributes = this._parentBasedAlwaysOn || this._followsLocalParent ? undefined : {};
    else if ((options as OwnedAttributesFlag)[ATTRIBUTES_OWNED] === true) attributes = optionAttributes; // validated in _adopt
    else attributes = sanitizeAttributes(optionAttributes);
    const optionLinks = options?.links;
    let links: Link[] | undefined;
    if (optionLinks !== undefined) {
      links = [];
      for (const link of optionLinks) links.push({ context: link.context, attributes: sanitizeAttributes(link.attributes) });
    }

    let result: SamplingResult;
    try {
      if (this._parentBasedAlwaysOn) {
        // What that sampler decides, without its per-call regex check of the parent's ids.
        const keep = parentSpanContext === undefined || (parentSpanContext.traceFlags & TraceFlags.SAMPLED) !== 0;
        result = keep ? RECORD_AND_SAMPLED : NOT_RECORD;
      } else if (this._followsLocalParent) {
        // What that sampler decides for a local child; it takes new traces and remote parents.
        if (parentSpanContext !== undefined && parentSpanContext.isRemote !== true) {
          result = (parentSpanContext.traceFlags & TraceFlags.SAMPLED) !== 0 ? RECORD_AND_SAMPLED : NOT_RECORD;
        } else result = this._sampler.shouldSample(ctx, traceId, name, kind, attributes ?? NO_ATTRIBUTES, links ?? NO_LINKS);
      } else {
        result = this._sampler.shouldSample(ctx, traceId, name, kind, (attributes ??= {}), (links ??= []));
      }
    } catch (err) {
      errorOnce('span.sampler', `the sampler threw (${describeError(err)}); the span was not recorded. Fix the sampler.`);
      result = { decision: SamplingDecision.NOT_RECORD };
    }
    const decision = result.decision;
    const spanContext: SpanContext = {
      traceId,
      spanId,
      traceFlags: decision === SamplingDecision.RECORD_AND_SAMPLED ? randomFlag | TraceFlags.SAMPLED : randomFlag,
      traceState: result.traceState ?? traceState,
    };
    if (decision === SamplingDecision.NOT_RECORD || this._state.shutdown) {
      return new LightNonRecordingSpan(spanContext);
    }

    const rt = this._rt;
    // A local parent lends its clock anchor: one wall-clock anchor per trace (see clock.ts).
    const span = new LightSpan(rt, spanContext, name, kind, parentSpanContext, options?.startTime, parent instanceof LightSpan ? parent._epochOffset : undefined);
    if (links !== undefined) for (let i = 0; i < links.length; i++) span.addLink(links[i]!);
    // Also picks up attributes a sampler added by mutating `attributes`, as the SDK does.
    if (result.attributes === undefined) {
      if (attributes !== undefined) span._adopt(attributes);
    } else setInitialAttributes(span, attributes ?? {}, result.attributes);
    if (rt.watcher !== undefined) rt.watcher.add(span);
    rt.processors.onStart(span, ctx);
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    arg2?: F | SpanOptions,
    arg3?: F | Context,
    arg4?: F,
  ): ReturnType<F> | undefined {
    let options: SpanOptions | undefined;
    let ctx: Context | undefined;
    let fn: F;
    if (arguments.length < 2) return undefined;
    if (arguments.length === 2) {
      fn = arg2 as F;
    } else if (arguments.length === 3) {
      options = arg2 as SpanOptions;
      fn = arg3 as F;
    } else {
      options = arg2 as SpanOptions;
      ctx = arg3 as Context;
      fn = arg4 as F;
    }
    const parentContext = ctx ?? contextApi.active();
    const span = this._start(name, options, parentContext);
    return contextApi.with(trace.setSpan(lightBase(parentContext), span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}

/**
 * Sets the start attributes as the official tracer does: the sampler's attributes override the
 * caller's, then each goes through the span's limits (and our redactor).
 */
function setInitialAttributes(span: LightSpan, attributes: Attributes, fromSampler: Readonly<Attributes> | undefined): void {
  if (fromSampler !== undefined) Object.assign(attributes, fromSampler);
  for (const key in attributes) {
    if (!hasOwn.call(attributes, key)) continue;
    const value = attributes[key];
    if (value == null) continue;
    if (isRecordable(key, value)) span._put(key, value);
  }
}

import type { Context } from '@opentelemetry/api';
import type { InstrumentationScope } from '../internal/sdk-core.js';
import type { ReadableSpan, Resource, SdkSpan, SpanProcessor } from '../internal/sdk.js';
import { errorOnce } from '../internal/diag.js';
import { ignoresSpanStart } from '../internal/ignores-span-start.js';
import { describeError } from '../internal/safe-call.js';
import type { Redactor } from './redact.js';

/** Span limits with every default filled in, as the official `TracerProvider` resolves them. @internal */
export interface ResolvedSpanLimits {
  readonly attributeCountLimit: number;
  readonly attributeValueLengthLimit: number;
  readonly eventCountLimit: number;
  readonly linkCountLimit: number;
  readonly attributePerEventCountLimit: number;
  readonly attributePerLinkCountLimit: number;
}

/** Counters behind `LightTracerProvider.stats()`. @internal */
export interface SpanCounters {
  started: number;
  ended: number;
}

/** The debug-mode hook that watches for spans left open. @internal */
export interface OpenSpanWatcher {
  add(span: { readonly name: string }): void;
  remove(span: object): void;
}

/**
 * The span processors of one provider, called in order. A processor that throws is reported once
 * through `diag` and skipped, so an exporter bug never reaches the user's code.
 * @internal
 */
export class ProcessorChain {
  readonly processors: readonly SpanProcessor[];
  private readonly hasOnEnding: boolean;
  /** The processors whose `onStart` does something: not our batch processor's (see {@link ignoresSpanStart}). */
  private readonly starting: readonly SpanProcessor[];

  constructor(processors: readonly SpanProcessor[]) {
    this.processors = processors;
    this.hasOnEnding = processors.some((p) => typeof p.onEnding === 'function');
    this.starting = processors.filter((p) => !ignoresSpanStart(p));
  }

  onStart(span: SdkSpan, parentContext: Context): void {
    const list = this.starting;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!.onStart(span, parentContext);
      } catch (err) {
        reportProcessorError('onStart', err);
      }
    }
  }

  onEnding(span: SdkSpan): void {
    if (!this.hasOnEnding) return;
    for (const p of this.processors) {
      try {
        p.onEnding?.(span);
      } catch (err) {
        reportProcessorError('onEnding', err);
      }
    }
  }

  onEnd(span: ReadableSpan): void {
    const list = this.processors;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!.onEnd(span);
      } catch (err) {
        reportProcessorError('onEnd', err);
      }
    }
  }
}

function reportProcessorError(hook: string, err: unknown): void {
  errorOnce(
    `span.processor.${hook}`,
    `a span processor threw in ${hook} (${describeError(err)}); the span was kept, fix the processor.`,
  );
}

/**
 * Everything a span needs from its tracer and provider, shared by reference so that creating a
 * span copies one pointer instead of a dozen fields.
 * @internal
 */
export interface SpanRuntime {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly limits: ResolvedSpanLimits;
  readonly processors: ProcessorChain;
  /** Undefined when redaction is disabled. */
  readonly redactor: Redactor | undefined;
  readonly counters: SpanCounters;
  /** Present only in debug mode. */
  readonly watcher: OpenSpanWatcher | undefined;
}

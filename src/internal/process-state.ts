import type { ContextManager, Tracer } from '@opentelemetry/api';

/**
 * What every copy of tracelight loaded in one process shares: its ES module and CommonJS builds
 * (an ESM app with a CommonJS dependency that also uses tracelight), or a preload
 * (`--require tracelight/register`) and the app's own `init()`. Kept on `globalThis` under a
 * `Symbol.for` key, so there is one pipeline per process whichever copy starts it.
 * @internal
 */
export interface ProcessState {
  /** The handle of the first `init()` in the process (a `TracelightHandle`), whichever copy made it. */
  handle: unknown;
  /** What `withSpan` uses instead of looking up the global tracer on every call. */
  withSpan: {
    tracer: Tracer | undefined;
    manager: ContextManager | undefined;
    /** The API's `trace` global when `tracer` was set: if it changes (`trace.disable()`), `tracer` is stale. */
    traceGlobal: unknown;
  };
  /** `service.name` of the first `init()`, to say which configuration a later `init()` meets (absent in older copies). */
  serviceName?: string;
  /** `withSpan` calls made while no tracer provider was registered (their spans are lost); said at `init()`. */
  spansBeforeInit?: number;
  /** The http instrumentation in effect, whichever copy enabled it. */
  http: { copy: object; disable: () => void } | undefined;
}

const KEY = Symbol.for('tracelight.process-state.v1');
const holder = globalThis as { [KEY]?: ProcessState };

/** The process-wide state; the same object in every copy of tracelight. @internal */
export const processState: ProcessState = (holder[KEY] ??= {
  handle: undefined,
  withSpan: { tracer: undefined, manager: undefined, traceGlobal: undefined },
  http: undefined,
});

/** Identifies this copy of tracelight (this build of this install) in {@link ProcessState}. @internal */
export const THIS_COPY: object = {};

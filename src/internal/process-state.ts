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
  /** What the first `init()` set up, for `diagnose()` (absent before it, and in older copies). */
  setup?: SetupRecord;
  /** The http instrumentation in effect, whichever copy enabled it. */
  http: { copy: object; disable: () => void } | undefined;
}

/** What `init()` records of the pipeline it built: plain data and the objects it registered. @internal */
export interface SetupRecord {
  /** The resolved configuration as report lines (`SettingRow`s of src/config/describe.ts). */
  settings: Array<{ name: string; value: string; from: string }>;
  /** The OTLP target, when spans are exported over OTLP. */
  otlp:
    | { url: string; protocol: 'http/protobuf' | 'http/json'; headers: Record<string, string>; timeoutMillis: number; endpointHint: string }
    | undefined;
  /** What init() registered with the API, to tell whether they are still the ones in effect. */
  registered: { provider: object; contextManager: object; propagator: object };
  /** Export problems of the outages in progress, as reported to the user. */
  problems: () => string[];
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

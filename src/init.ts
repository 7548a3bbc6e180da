import { context, diag, DiagConsoleLogger, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { readEnv } from './config/env.js';
import { installFlushOnExit } from './config/flush-on-exit.js';
import type { TracelightOptions } from './config/options.js';
import { describeConfig } from './config/describe.js';
import { exportTargetOf } from './config/export-target.js';
import { buildPipeline, emptyStats } from './config/pipeline.js';
import type { Pipeline, TracelightStats } from './config/pipeline.js';
import { resolveConfig, resolveLogLevel } from './config/resolve.js';
import { errorOnce, tellOnce, warnOnce } from './internal/diag.js';
import { checkAssumptions } from './internal/node-assumptions.js';
import { otelGlobals } from './internal/otel-globals.js';
import { processState } from './internal/process-state.js';
import { describeError } from './internal/safe-call.js';
import { setWithSpanTracer } from './span/with-span.js';
import { VERSION } from './version.js';

/** What {@link init} returns. */
export interface TracelightHandle {
  /** The tracer `withSpan` uses; for code that prefers the OpenTelemetry API directly. */
  readonly tracer: Tracer;
  /** Exports every finished span now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops tracing; idempotent, never rejects. */
  shutdown(): Promise<void>;
  /** Counters of spans started, ended, open, exported and dropped. */
  stats(): TracelightStats;
}


/**
 * Starts tracing, once, at the start of the program: registers tracelight as the global
 * OpenTelemetry tracer provider, context manager and propagator. `init('checkout-api')` is short
 * for `init({ serviceName: 'checkout-api' })`. Code options win; the standard `OTEL_*`
 * variables fill the rest. A second call warns once and returns the first handle. Never throws:
 * a configuration problem is reported through `diag` and tracing carries on with defaults (or
 * off, if it cannot start at all).
 *
 * @example
 * ```ts
 * import { init, withSpan } from 'tracelight';
 * init('checkout-api');
 * await withSpan('charge card', async (span) => { ... });
 * ```
 */
export function init(optionsOrServiceName?: string | TracelightOptions): TracelightHandle {
  // One pipeline per process: a second init(), from this copy of tracelight or another (its
  // other build, a preload), gets the first one's handle.
  const first = processState.handle as TracelightHandle | undefined;
  if (first) {
    const given = typeof optionsOrServiceName === 'string' ? ['serviceName'] : Object.keys(optionsOrServiceName ?? {});
    if (given.length === 0) {
      warnOnce('init:twice', 'init() was called more than once (or by a preload such as tracelight/register); the first configuration stays in effect.');
    } else {
      // Options that silently do nothing are a trap (a preload plus the app's own init): say so.
      const running = processState.serviceName === undefined ? '' : ` (service.name ${JSON.stringify(processState.serviceName)})`;
      tellOnce(
        'init:twice',
        `init() was called more than once (tracing was started by an earlier init() or a preload such as tracelight/register); its options ${given.join(', ')} are ignored and the first configuration${running} stays. With a preload, configure through OTEL_* variables (OTEL_SERVICE_NAME, ...), or drop the preload and keep init().`,
      );
    }
    return first;
  }
  const options: TracelightOptions =
    typeof optionsOrServiceName === 'string' ? { serviceName: optionsOrServiceName } : (optionsOrServiceName ?? {});
  let handle: TracelightHandle;
  try {
    handle = start(options);
  } catch (err) {
    errorOnce('init:failed', `tracing could not start (${describeError(err)}); the program runs untraced.`);
    handle = noopHandle();
  }
  processState.handle = handle;
  return handle;
}

function start(options: TracelightOptions): TracelightHandle {
  // The logger goes first, so that what configuration reports is seen. Without OTEL_LOG_LEVEL
  // or `logLevel` none is installed (the API's default: silent), unless `debug` asks for reports.
  const logLevel = resolveLogLevel(options);
  if (logLevel[0] !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel: logLevel[0], suppressOverrideMessage: true });
  const config = resolveConfig(options, readEnv(), logLevel);
  processState.serviceName = config.serviceName;
  if (config.disabled) return noopHandle();

  const pipeline: Pipeline = buildPipeline(config);
  processState.setup = {
    settings: describeConfig(config),
    otlp: exportTargetOf(config),
    registered: { provider: pipeline.provider, contextManager: pipeline.contextManager, propagator: pipeline.propagator },
    problems: () => pipeline.problems(),
  };
  const ownsContext = context.setGlobalContextManager(pipeline.contextManager);
  if (!ownsContext) {
    tellOnce('init:context', 'another context manager is already registered; tracelight uses it, which may lose context across awaits.');
  }
  if (!propagation.setGlobalPropagator(pipeline.propagator)) {
    tellOnce('init:propagator', 'another propagator is already registered; incoming and outgoing trace headers follow it.');
  }
  if (ownsContext && otelGlobals()?.context !== pipeline.contextManager) {
    checkAssumptions('otelApiGlobals');
    warnOnce('assumption:otelApiGlobals:registered', "@opentelemetry/api's global registry is not where tracelight expects it; withSpan takes the slower path. Please report it to tracelight.");
  }
  const ownsProvider = trace.setGlobalTracerProvider(pipeline.provider);
  let tracer: Tracer;
  if (ownsProvider) {
    tracer = pipeline.provider.getTracer('tracelight', VERSION);
    setWithSpanTracer(tracer, ownsContext ? pipeline.contextManager : undefined);
  } else {
    // Every span, withSpan's included, goes where instrumentations send theirs: one trace, one pipeline.
    tellOnce(
      'init:provider',
      "another OpenTelemetry tracer provider is already registered: withSpan and every instrumentation send their spans to it, and tracelight's exporters get none. Call init() before the other SDK starts, or remove it.",
    );
    tracer = trace.getTracer('tracelight', VERSION);
  }
  const lost = processState.spansBeforeInit ?? 0;
  if (lost > 0) {
    tellOnce(
      'init:spans-before-init',
      `withSpan() ran ${lost} time${lost === 1 ? '' : 's'} before init(), with no tracer provider registered: ${lost === 1 ? 'that span was' : 'those spans were'} not recorded. Call init() before the code that makes spans (at the top of the entry file), or preload it: node --import tracelight/register app.js.`,
    );
  }
  const disableInstrumentations = pipeline.enableInstrumentations();

  let stopped: Promise<void> | undefined;
  const removeExitHooks = config.flushOnExit
    ? installFlushOnExit(
        (deadline) => pipeline.flushBeforeExit(deadline),
        () => pipeline.pending(),
        (line) => {
          if (logLevel[0] === DiagLogLevel.NONE) return;
          try {
            process.stderr.write(`tracelight: ${line}\n`);
          } catch {
            // stderr closed
          }
        },
      )
    : () => undefined;

  return {
    tracer,
    forceFlush: () => pipeline.forceFlush().catch(() => undefined),
    shutdown() {
      stopped ??= (async () => {
        removeExitHooks();
        setWithSpanTracer(undefined);
        disableInstrumentations();
        await pipeline.shutdown().catch(() => undefined);
      })();
      return stopped;
    },
    stats: () => pipeline.stats(),
  };
}

function noopHandle(): TracelightHandle {
  return {
    tracer: trace.getTracer('tracelight', VERSION),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
    stats: emptyStats,
  };
}

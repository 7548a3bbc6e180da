/** Shared set-up for the exporter tests: the official SDK provider and context manager. */
import { context, diag, DiagLogLevel, trace } from '@opentelemetry/api';
import type { DiagLogger, HrTime, Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider as BasicTracerProvider } from '@opentelemetry/sdk-trace';
import type { IdGenerator, SpanProcessor } from '@opentelemetry/sdk-trace';

export const SERVICE = { 'service.name': 'checkout-api', 'service.version': '1.4.2' };

/** A provider with `processors`, the default resource plus {@link SERVICE}, and ALS context. */
export function setupTracing(
  processors: SpanProcessor[],
  options: { idGenerator?: IdGenerator; service?: Record<string, string> } = {},
): { tracer: Tracer; provider: BasicTracerProvider; close: () => Promise<void> } {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes(options.service ?? SERVICE)),
    spanProcessors: processors,
    ...(options.idGenerator ? { idGenerator: options.idGenerator } : {}),
  });
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer('exporter-tests', '0.0.1'),
    provider,
    async close() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

/** Messages written to `diag` while capturing, with their level. */
export interface CapturedDiag {
  messages: { level: string; message: string }[];
  /** Messages from tracelight (prefix `tracelight: `). */
  ours(): string[];
  stop(): void;
}

/** Captures every `diag` message (all levels) until `stop()`. */
export function captureDiag(): CapturedDiag {
  const messages: { level: string; message: string }[] = [];
  const log =
    (level: string) =>
    (message: string, ...args: unknown[]): void => {
      messages.push({ level, message: [message, ...args.map((a) => String(a))].join(' ') });
    };
  const logger: DiagLogger = {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    verbose: log('verbose'),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return {
    messages,
    ours: () => messages.filter((m) => m.message.startsWith('tracelight: ')).map((m) => m.message),
    stop: () => diag.disable(),
  };
}

/** Collects unhandled rejections while a test runs. */
export function watchUnhandledRejections(): { reasons: unknown[]; stop: () => void } {
  const reasons: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    reasons.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  return { reasons, stop: () => process.off('unhandledRejection', onRejection) };
}

/** Resolves after `ms` (for letting timers and sockets run, never for timing assertions). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it is true; rejects with `what` after `timeoutMillis`. */
export async function until(check: () => boolean, what: string, timeoutMillis = 10_000): Promise<void> {
  const end = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Sequential trace and span ids, so expected waterfall text is fixed. */
export class CountingIds implements IdGenerator {
  private trace = 0;
  private span = 0;
  reset(): void {
    this.trace = 0;
    this.span = 0;
  }
  generateTraceId(): string {
    return (++this.trace).toString(16).padStart(32, '4bf92f3577b34da6a3ce929d0e0e473');
  }
  generateSpanId(): string {
    return (++this.span).toString(16).padStart(16, '0');
  }
}

/** A fixed wall-clock time `ms` milliseconds after 2023-11-14T22:13:20Z. */
export const atMs = (ms: number): HrTime => [1_700_000_000 + Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

import { describeConfig } from './config/describe.js';
import { exportTargetOf } from './config/export-target.js';
import type { SettingRow } from './config/describe.js';
import { readEnv } from './config/env.js';
import type { TracelightOptions } from './config/options.js';
import type { TracelightStats } from './config/pipeline.js';
import { resolveConfig, resolveLogLevel } from './config/resolve.js';
import { probeCollector } from './exporters/probe-collector.js';
import type { CollectorAnswer } from './exporters/probe-collector.js';
import { captureDiagnostics, reportedMessages } from './internal/diag.js';
import { otelGlobals } from './internal/otel-globals.js';
import { processState } from './internal/process-state.js';
import type { SetupRecord } from './internal/process-state.js';
import { describeError } from './internal/safe-call.js';
import { defaultResource } from './internal/sdk.js';
import { VERSION } from './version.js';

export type { SettingRow } from './config/describe.js';
export type { CollectorAnswer } from './exporters/probe-collector.js';

/** Options of {@link diagnose}. */
export interface DiagnoseOptions {
  /**
   * Before `init()`: the options you would give it, so the report shows the configuration
   * `init()` would build from them and the `OTEL_*` variables. Ignored once tracing has started
   * (the running configuration is reported).
   */
  init?: TracelightOptions;
  /** How long to wait for the collector to answer; default 3000 ms. */
  timeoutMillis?: number;
  /** Print the report on stdout; default `true`. With `false` it is only returned. */
  print?: boolean;
}

/** Who registered each OpenTelemetry global: tracelight, another library (by class name), or nobody. */
export interface RegisteredGlobals {
  /** The global tracer provider, which receives the spans of `withSpan` and of every instrumentation. */
  tracerProvider: string;
  /** The global context manager, which carries the active span across `await` and callbacks. */
  contextManager: string;
  /** The global propagator, which reads and writes `traceparent` and friends. */
  propagator: string;
  /** The `diag` logger, where tracelight's own problems go (stderr when none is set). */
  diagLogger: string;
  /** The `@opentelemetry/api` version that registered the globals. */
  apiVersion: string;
}

/** What {@link diagnose} found. */
export interface Diagnosis {
  /** `true` when nothing needs attention (no entry in {@link Diagnosis.problems}). */
  ok: boolean;
  /** `true` once `init()` (or a preload) started tracing in this process. */
  started: boolean;
  /** Each setting in effect (or that `init()` would use), with where its value came from. */
  settings: SettingRow[];
  /** What the OTLP endpoint answered; absent when spans are not exported over OTLP. */
  collector?: CollectorAnswer & {
    /** The traces URL that was asked. */
    url: string;
  };
  /** Who registered each OpenTelemetry global. */
  registered: RegisteredGlobals;
  /** The span counters, once tracing has started. */
  stats?: TracelightStats;
  /** Each thing that loses or misroutes spans, with what to do about it. */
  problems: string[];
  /** The report, as printed. */
  text: string;
}

const DEFAULT_PROBE_TIMEOUT_MILLIS = 3000;

/**
 * Checks tracing in this process and says what it found: the resolved configuration and where
 * each value came from, where spans go and whether the collector answers (an empty OTLP
 * request), who registered the OpenTelemetry globals, the span counters, and every problem
 * tracelight has seen, each with what to do. Before `init()`, it reports what `init()` would set
 * up from the `OTEL_*` variables (and `options.init`), without starting anything.
 *
 * From a shell, with the app's environment:
 * `node -e "import('tracelight').then((t) => t.diagnose())"`. Never rejects.
 *
 * @example
 * ```ts
 * import { diagnose, init } from 'tracelight';
 * init({ serviceName: 'checkout-api' });
 * const { ok, problems } = await diagnose({ print: false });
 * ```
 */
export async function diagnose(options: DiagnoseOptions = {}): Promise<Diagnosis> {
  const problems: string[] = [];
  let settings: SettingRow[] = [];
  let otlp: SetupRecord['otlp'];
  let stats: TracelightStats | undefined;
  const setup = processState.setup;
  const started = processState.handle !== undefined;
  try {
    if (started && setup !== undefined) {
      settings = setup.settings;
      otlp = setup.otlp;
      stats = (processState.handle as { stats?: () => TracelightStats }).stats?.();
      problems.push(...reportedMessages(), ...setup.problems());
    } else {
      const init = options.init ?? {};
      const config = captureDiagnostics(
        () => resolveConfig(init, readEnv(), resolveLogLevel(init)),
        (message) => problems.push(message),
      );
      settings = describeConfig(config);
      otlp = exportTargetOf(config);
    }
  } catch (err) {
    problems.push(`the configuration could not be read (${describeError(err)}); please report it to tracelight.`);
  }

  let collector: Diagnosis['collector'];
  if (otlp !== undefined) {
    const answer = await probeCollector(otlp.url, otlp.protocol, otlp.headers, options.timeoutMillis ?? DEFAULT_PROBE_TIMEOUT_MILLIS, otlp.endpointHint);
    collector = { ...answer, url: otlp.url };
    if (!answer.accepts) problems.push(`spans cannot be exported: ${answer.detail}`);
  }

  const registered = readRegistered(setup?.registered, started);
  if (started && setup !== undefined && registered.tracerProvider !== 'tracelight') {
    problems.push(
      `the global tracer provider is ${registered.tracerProvider}, not tracelight's: spans go there, not to tracelight's exporters. Call init() before the other SDK starts, or remove it.`,
    );
  }
  if (stats !== undefined) {
    const lost = stats.dropped.queueFull + stats.dropped.exportFailed + stats.dropped.shutdown + stats.dropped.waterfallOverflow;
    if (lost > 0) problems.push(`${lost} span${lost === 1 ? ' was' : 's were'} dropped so far (${describeDropped(stats)}).`);
  }
  if (!started && (processState.spansBeforeInit ?? 0) > 0) {
    problems.push(`withSpan() ran ${processState.spansBeforeInit} times before init(): those spans were not recorded. Call init() first.`);
  }

  const unique = [...new Set(problems)];
  const text = render({ started, settings, collector, registered, stats, problems: unique });
  if (options.print !== false) {
    try {
      process.stdout.write(text);
    } catch {
      // stdout closed: the report is still returned.
    }
  }
  return { ok: unique.length === 0, started, settings, ...(collector ? { collector } : {}), registered, ...(stats ? { stats } : {}), problems: unique, text };
}

function readRegistered(ours: SetupRecord['registered'] | undefined, started: boolean): RegisteredGlobals {
  const g = otelGlobals();
  const name = (value: unknown, mine: object | undefined, none: string): string => {
    if (value === undefined || value === null) return none;
    if (mine !== undefined && value === mine) return 'tracelight';
    // Bundlers rename clashing classes (`TracerProvider$1`): the suffix means nothing to the user.
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name?.replace(/\$\d+$/, '');
    return `another library's (${ctor || 'unnamed'})`;
  };
  // The API registers a proxy (of whichever API copy registered it) in front of the provider.
  let provider: unknown = g?.trace;
  const proxy = provider as { getDelegate?: () => unknown } | undefined;
  if (typeof proxy?.getDelegate === 'function') provider = proxy.getDelegate();
  const noProvider = started ? 'none' : 'none yet (init() registers tracelight)';
  return {
    tracerProvider: g?.trace === undefined ? noProvider : name(provider, ours?.provider, noProvider),
    contextManager: name(g?.context, ours?.contextManager, started ? 'none' : 'none yet (init() registers tracelight)'),
    propagator: name(g?.propagation, ours?.propagator, started ? 'none' : 'none yet (init() registers tracelight)'),
    diagLogger: g?.diag === undefined ? "none: tracelight's own problems go to stderr" : 'set',
    apiVersion: typeof g?.version === 'string' ? g.version : 'not registered yet',
  };
}

function describeDropped(stats: TracelightStats): string {
  const d = stats.dropped;
  const parts: string[] = [];
  if (d.exportFailed > 0) parts.push(`${d.exportFailed} export failed`);
  if (d.queueFull > 0) parts.push(`${d.queueFull} queue full`);
  if (d.shutdown > 0) parts.push(`${d.shutdown} at shutdown`);
  if (d.waterfallOverflow > 0) parts.push(`${d.waterfallOverflow} console buffer full`);
  return parts.join(', ');
}

function sdkVersion(): string {
  try {
    const v = defaultResource().attributes['telemetry.sdk.version'];
    return typeof v === 'string' ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}

function render(d: Omit<Diagnosis, 'ok' | 'text'>): string {
  const lines: string[] = [];
  lines.push(
    `tracelight ${VERSION} diagnose: Node.js ${process.version}, @opentelemetry/api ${d.registered.apiVersion}, OpenTelemetry SDK ${sdkVersion()}`,
  );
  lines.push(
    d.started
      ? 'tracing: started in this process; the settings in effect:'
      : 'tracing: not started in this process; what init() would set up here:',
  );
  const width = Math.max(...d.settings.map((s) => s.name.length), 16);
  for (const s of d.settings) lines.push(`  ${s.name.padEnd(width)}  ${s.value}  (${s.from})`);
  if (d.collector !== undefined) {
    lines.push(`collector: ${d.collector.accepts ? 'ok' : 'NOT REACHABLE'}: ${d.collector.detail} (${d.collector.millis} ms)`);
  }
  const r = d.registered;
  lines.push(`registered: tracer provider ${r.tracerProvider}; context manager ${r.contextManager}; propagator ${r.propagator}; diag logger ${r.diagLogger}`);
  if (d.stats !== undefined) {
    const s = d.stats;
    lines.push(`spans: ${s.spansStarted} started, ${s.spansOpen} open, ${s.exported} exported, ${s.queueDepth} waiting, dropped ${s.dropped.queueFull + s.dropped.exportFailed + s.dropped.shutdown + s.dropped.waterfallOverflow}`);
  }
  if (d.problems.length === 0) lines.push('problems: none');
  else {
    lines.push(`problems: ${d.problems.length}`);
    for (const p of d.problems) lines.push(`  - ${p}`);
  }
  return lines.join('\n') + '\n';
}

import type { TextMapPropagator } from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes, SimpleSpanProcessor } from '../internal/sdk.js';
import type { SpanExporter, SpanProcessor } from '../internal/sdk.js';
import { TracelightContextManager } from '../context/async-local-storage-context-manager.js';
import { TracelightBatchSpanProcessor } from '../exporters/batch-span-processor.js';
import { createOtlpExporterWithHint } from '../exporters/otlp.js';
import { VIEWER_HINT, VIEWER_MAX_DELAY_MILLIS, VIEWER_TRACES_URL } from '../exporters/viewer-endpoint.js';
import { ConsoleWaterfallExporter } from '../exporters/waterfall/console-waterfall-exporter.js';
import { enableExpressInstrumentation } from '../instrumentations/express/instrument.js';
import { enableHttpInstrumentation } from '../instrumentations/http/enable.js';
import type { HttpInstrumentationOptions } from '../instrumentations/http/options.js';
import { TailSamplingProcessor } from '../sampling/tail-sampling-processor.js';
import { createRedactor } from '../span/redact.js';
import { LightTracerProvider } from '../span/tracer-provider.js';
import { VERSION } from '../version.js';
import type { ResolvedConfig } from './resolve.js';
import { endpointHint } from './endpoint-hint.js';

/** Counters that show what tracing did and what it lost; a growing `spansOpen` is a span leak. */
export interface TracelightStats {
  /** Sampled spans started. */
  spansStarted: number;
  /** Sampled spans ended. */
  spansEnded: number;
  /** Sampled spans started and not yet ended. */
  spansOpen: number;
  /** Spans delivered: accepted by the batch exporters (OTLP, custom) or printed by the console waterfall. */
  exported: number;
  /** Export calls that failed for good (after the exporter's retries). */
  exportFailures: number;
  /** Export requests repeated after a retryable failure. */
  retries: number;
  /** Spans not yet exported or dropped: waiting in the batch queues, or in an export in flight. */
  queueDepth: number;
  /**
   * Spans lost, by reason: batch queue full, export failed (or timed out), still unexported
   * when `shutdown()` gave up (or ended after it), console waterfall buffer full.
   */
  dropped: {
    /** The batch queue was full (`batch.maxQueueSize`): the collector could not keep up. */
    queueFull: number;
    /** The export failed, after its retries, or timed out. */
    exportFailed: number;
    /** Still unexported when `shutdown()` gave up, or ended after it. */
    shutdown: number;
    /** The console exporter's buffer of unfinished traces was full. */
    waterfallOverflow: number;
  };
  /**
   * Tail sampling (`sampler: { tail }`; zeros without it). Fragments (the local spans of one
   * trace): kept, dropped by decision, decided early because `maxFragments` were held (evicted)
   * or because their root outlived `decisionTimeoutMs` (timed out; both also counted as kept or
   * dropped). Spans: not exported by decision (or beyond `maxSpansPerFragment`), and held now
   * awaiting a decision.
   */
  sampling: {
    /** Fragments exported: an error, a slow local root, or admitted by the baseline. */
    tailKept: number;
    /** Fragments not exported by decision. */
    tailDropped: number;
    /** Fragments decided early because `maxFragments` were held (also counted as kept or dropped). */
    tailEvicted: number;
    /** Fragments decided because their root outlived `decisionTimeoutMs` (also counted as kept or dropped). */
    tailTimedOut: number;
    /** Spans not exported: in dropped fragments, or beyond `maxSpansPerFragment`. */
    tailSpansDropped: number;
    /** Spans held now, awaiting their fragment's decision. */
    tailSpansHeld: number;
  };
}

/** The counters of {@link TracelightStats} before anything happened. */
export function emptyStats(): TracelightStats {
  return {
    spansStarted: 0,
    spansEnded: 0,
    spansOpen: 0,
    exported: 0,
    exportFailures: 0,
    retries: 0,
    queueDepth: 0,
    dropped: { queueFull: 0, exportFailed: 0, shutdown: 0, waterfallOverflow: 0 },
    sampling: { tailKept: 0, tailDropped: 0, tailEvicted: 0, tailTimedOut: 0, tailSpansDropped: 0, tailSpansHeld: 0 },
  };
}

/** Everything init() registers and later flushes, shuts down and reads counters from. */
export interface Pipeline {
  contextManager: TracelightContextManager;
  propagator: TextMapPropagator;
  provider: LightTracerProvider;
  enableInstrumentations(): () => void;
  forceFlush(): Promise<void>;
  /** The flush as the process ends: bounded by `deadline`, no retries; `true` if nothing is left. */
  flushBeforeExit(deadline: number): Promise<boolean>;
  shutdown(): Promise<void>;
  /** Spans waiting to be exported or printed. */
  pending(): number;
  /** Export problems of the outages in progress, as reported. */
  problems(): string[];
  stats(): TracelightStats;
}

/**
 * Builds the resource, sampler, processors, exporters, propagator and context manager from the
 * resolved configuration. The one place that wires the rooms of src/ together.
 */
export function buildPipeline(config: ResolvedConfig): Pipeline {
  const resource = defaultResource().merge(
    resourceFromAttributes({
      'telemetry.distro.name': 'tracelight',
      'telemetry.distro.version': VERSION,
      ...config.resourceAttributes,
    }),
  );

  const batches: TracelightBatchSpanProcessor[] = [];
  const waterfalls: ConsoleWaterfallExporter[] = [];
  const processors: SpanProcessor[] = [];
  const ignoredUrls: string[] = [];
  for (const choice of config.exporters) {
    if (choice === 'console') {
      // Links each trace to a `tracelight view` running on this machine, if one answers.
      const exporter = new ConsoleWaterfallExporter({ serviceName: config.serviceName, viewerUrl: 'auto' });
      waterfalls.push(exporter);
      // The waterfall buffers per trace itself; hand it every span as it ends.
      processors.push(new SimpleSpanProcessor({ exporter: exporter }));
      continue;
    }
    let exporter: SpanExporter;
    let batchOptions = config.batch;
    if (choice === 'viewer') {
      const viewer = createOtlpExporterWithHint({
        protocol: 'http/protobuf',
        tracesEndpoint: VIEWER_TRACES_URL,
        timeoutMillis: Math.min(config.otlp.timeoutMillis, config.batch.exportTimeoutMillis),
      }, VIEWER_HINT);
      exporter = viewer;
      ignoredUrls.push(viewer.url);
      batchOptions = { ...config.batch, scheduledDelayMillis: Math.min(config.batch.scheduledDelayMillis, VIEWER_MAX_DELAY_MILLIS) };
    } else if (choice === 'otlp') {
      const otlp = createOtlpExporterWithHint({
        protocol: config.otlp.protocol,
        tracesEndpoint: config.otlp.endpoint,
        headers: config.otlp.headers,
        // An export request never outlives the processor's wait for it: one export in flight,
        // and what the collector did not answer in time is what stats() counts as failed.
        timeoutMillis: Math.min(config.otlp.timeoutMillis, config.batch.exportTimeoutMillis),
        compression: config.otlp.compression,
      }, endpointHint(config.otlp.endpointSetting));
      ignoredUrls.push(otlp.url);
      exporter = otlp;
    } else {
      exporter = choice;
    }
    const batch = new TracelightBatchSpanProcessor(exporter, batchOptions);
    batches.push(batch);
    processors.push(batch);
  }

  // Tail sampling sits in front of every exporter: what it drops, none of them sees.
  const tail = config.tail === undefined ? undefined : new TailSamplingProcessor(processors, config.tail);
  const provider = new LightTracerProvider({
    resource,
    sampler: config.sampler,
    spanLimits: config.spanLimits,
    spanProcessors: tail === undefined ? processors : [tail],
    redactor: createRedactor(config.redact),
    ...(config.debug ? { debug: config.debug } : {}),
  });

  return {
    contextManager: new TracelightContextManager(),
    propagator: config.propagator,
    provider,
    enableInstrumentations() {
      const express = config.instrumentations.express;
      // Express names the HTTP SERVER span: on with it, unless turned off on purpose.
      const http = config.instrumentations.http ?? (express ? true : undefined);
      const disableExpress = express ? enableExpressInstrumentation(express === true ? {} : express) : undefined;
      if (!http) return disableExpress ?? (() => undefined);
      const httpOptions: HttpInstrumentationOptions = http === true ? {} : { ...http };
      if (ignoredUrls.length > 0 && (httpOptions.ignoreOutgoing === undefined || Array.isArray(httpOptions.ignoreOutgoing))) {
        // Exports already run with tracing suppressed; this also keeps their URL out of traces
        // if another exporter path forgets to.
        httpOptions.ignoreOutgoing = [...((httpOptions.ignoreOutgoing as Array<string | RegExp>) ?? []), ...ignoredUrls];
      }
      const disableHttp = enableHttpInstrumentation(httpOptions);
      if (disableExpress === undefined) return disableHttp;
      return () => {
        disableExpress();
        disableHttp();
      };
    },
    forceFlush: () => provider.forceFlush(),
    async flushBeforeExit(deadline) {
      tail?.decideHeld();
      const results = await Promise.all([
        ...batches.map((b) => b.flushBeforeExit(deadline)),
        ...waterfalls.map((w) => w.forceFlush().then(() => true, () => false)),
      ]);
      return results.every(Boolean);
    },
    shutdown: () => provider.shutdown(),
    pending: () => {
      let n = 0;
      for (const b of batches) n += b.stats().queueDepth;
      for (const w of waterfalls) n += w.stats().pendingSpans;
      if (tail !== undefined) n += tail.stats().spansHeld;
      return n;
    },
    problems: () => batches.flatMap((b) => b.problems()),
    stats() {
      const spans = provider.stats();
      const out: TracelightStats = { ...emptyStats(), ...spans };
      if (tail !== undefined) {
        const t = tail.stats();
        out.sampling = {
          tailKept: t.kept,
          tailDropped: t.dropped,
          tailEvicted: t.evicted,
          tailTimedOut: t.timedOut,
          tailSpansDropped: t.spansDropped,
          tailSpansHeld: t.spansHeld,
        };
      }
      for (const b of batches) {
        const s = b.stats();
        out.exported += s.exported;
        out.exportFailures += s.exportFailures;
        out.retries += s.retries;
        out.queueDepth += s.queueDepth;
        out.dropped.queueFull += s.droppedQueueFull;
        out.dropped.exportFailed += s.droppedExportFailed;
        out.dropped.shutdown += s.droppedShutdown;
      }
      for (const w of waterfalls) {
        const s = w.stats();
        out.exported += s.spansPrinted;
        out.dropped.waterfallOverflow += s.waterfallDropped;
      }
      return out;
    },
  };
}

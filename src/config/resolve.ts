import type { Attributes, DiagLogLevel } from '@opentelemetry/api';
import { DiagLogLevel as Level } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { warnOnce } from '../internal/diag.js';
import { readAppPackage } from './app-package.js';
import type { EnvSettings } from './env.js';
import type {
  ExporterName,
  InstrumentationsOptions,
  OtlpOptions,
  TracelightOptions,
} from './options.js';
import type { RedactOptions } from '../span/redact.js';
import type { ResolvedSpanLimits } from '../span/span-runtime.js';
import { resolveOtlpTracesUrl } from '../exporters/otlp-endpoint.js';

/** Everything init() needs, with code options, environment and defaults already merged. */
export interface ResolvedConfig {
  disabled: boolean;
  serviceName: string;
  resourceAttributes: Attributes;
  exporters: Array<'console' | 'otlp' | SpanExporter>;
  otlp: Required<Pick<OtlpOptions, 'protocol' | 'endpoint' | 'timeoutMillis' | 'compression'>> & {
    headers: Record<string, string>;
  };
  batch: { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMillis: number; exportTimeoutMillis: number };
  spanLimits: ResolvedSpanLimits;
  redact: RedactOptions | false;
  instrumentations: InstrumentationsOptions;
  debug: { openSpanThresholdMs: number } | undefined;
  logLevel: DiagLogLevel | undefined;
  flushOnExit: boolean;
}

const KNOWN_EXPORTERS: readonly string[] = ['console', 'otlp', 'none'];

function positive(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value;
  warnOnce(`config:${name}`, `${name}=${String(value)} is not a number >= ${min}; using ${fallback}.`);
  return fallback;
}

function exportersOf(options: TracelightOptions, env: EnvSettings): ResolvedConfig['exporters'] {
  const chosen: Array<ExporterName | SpanExporter | string> =
    options.exporter !== undefined
      ? Array.isArray(options.exporter)
        ? options.exporter
        : [options.exporter]
      : (env.exporters ?? ['otlp']);
  const out: ResolvedConfig['exporters'] = [];
  for (const e of chosen) {
    if (typeof e === 'string') {
      if (!KNOWN_EXPORTERS.includes(e)) {
        warnOnce(`config:exporter:${e}`, `exporter ${JSON.stringify(e)} is unknown (use otlp, console or none); skipped.`);
        continue;
      }
      if (e === 'none' || out.includes(e as 'console' | 'otlp')) continue;
      out.push(e as 'console' | 'otlp');
    } else if (e && typeof e === 'object' && typeof (e as SpanExporter).export === 'function') {
      out.push(e as SpanExporter);
    } else {
      warnOnce('config:exporter:object', 'an exporter given to init() has no export() method; skipped.');
    }
  }
  return out;
}

/**
 * Merges code options over the `OTEL_*` settings over the defaults. Code options win; bad values
 * warn once through `diag` and fall back to the default.
 */
export function resolveConfig(options: TracelightOptions, env: EnvSettings): ResolvedConfig {
  const app = readAppPackage();
  const envServiceName = env.serviceName ?? stringAttr(env.resourceAttributes['service.name']);
  const codeServiceName = options.serviceName ?? stringAttr(options.resourceAttributes?.['service.name']);
  const serviceName = codeServiceName ?? envServiceName ?? app.name ?? 'unknown_service:node';

  const resourceAttributes: Attributes = { ...env.resourceAttributes, ...options.resourceAttributes };
  resourceAttributes['service.name'] = serviceName;
  const version =
    options.serviceVersion ?? stringAttr(resourceAttributes['service.version']) ?? (codeServiceName || envServiceName ? undefined : app.version);
  if (version !== undefined) resourceAttributes['service.version'] = version;
  if (options.environment !== undefined) resourceAttributes['deployment.environment.name'] = options.environment;

  const o = options.otlp ?? {};
  // A base endpoint gets /v1/traces appended (the exporters' own rule); an unparsable one is passed
  // on as is, so the exporter reports it once with what to fix.
  const endpoint =
    o.endpoint ??
    env.otlp.endpoint ??
    resolveOtlpTracesUrl({ endpoint: env.otlp.baseEndpoint }) ??
    (env.otlp.baseEndpoint as string);
  const b = options.batch ?? {};
  const maxQueueSize = positive('maxQueueSize', b.maxQueueSize ?? env.batch.maxQueueSize, 2048, 1);
  const maxExportBatchSize = Math.min(
    maxQueueSize,
    positive('maxExportBatchSize', b.maxExportBatchSize ?? env.batch.maxExportBatchSize, 512, 1),
  );
  const l = { ...env.spanLimits, ...stripUndefined(options.spanLimits ?? {}) };
  const debugLevel = env.logLevel !== undefined && env.logLevel >= Level.DEBUG;
  const debug =
    options.debug === false
      ? undefined
      : options.debug === true || (options.debug === undefined && debugLevel)
        ? { openSpanThresholdMs: 10_000 }
        : options.debug
          ? { openSpanThresholdMs: positive('debug.openSpanThresholdMs', options.debug.openSpanThresholdMs, 10_000, 1) }
          : undefined;

  return {
    disabled: env.disabled,
    serviceName,
    resourceAttributes,
    exporters: exportersOf(options, env),
    otlp: {
      protocol: o.protocol ?? env.otlp.protocol ?? 'http/protobuf',
      endpoint,
      headers: { ...env.otlp.headers, ...o.headers },
      timeoutMillis: positive('otlp.timeoutMillis', o.timeoutMillis ?? env.otlp.timeoutMillis, 10_000, 1),
      compression: o.compression ?? env.otlp.compression ?? 'none',
    },
    batch: {
      maxQueueSize,
      maxExportBatchSize,
      scheduledDelayMillis: positive('scheduledDelayMillis', b.scheduledDelayMillis ?? env.batch.scheduledDelayMillis, 5000),
      exportTimeoutMillis: positive('exportTimeoutMillis', b.exportTimeoutMillis ?? env.batch.exportTimeoutMillis, 30_000, 1),
    },
    spanLimits: {
      attributeCountLimit: positive('attributeCountLimit', l.attributeCountLimit, 128),
      attributeValueLengthLimit: positive('attributeValueLengthLimit', l.attributeValueLengthLimit, Infinity),
      eventCountLimit: positive('eventCountLimit', l.eventCountLimit, 128),
      linkCountLimit: positive('linkCountLimit', l.linkCountLimit, 128),
      attributePerEventCountLimit: positive('attributePerEventCountLimit', l.attributePerEventCountLimit, 128),
      attributePerLinkCountLimit: positive('attributePerLinkCountLimit', l.attributePerLinkCountLimit, 128),
    },
    redact: options.redact ?? {},
    instrumentations: options.instrumentations ?? {},
    debug,
    logLevel: options.logLevel ?? (options.debug ? (env.logLevel ?? Level.INFO) : env.logLevel),
    flushOnExit: options.flushOnExit ?? true,
  };
}

function stringAttr(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

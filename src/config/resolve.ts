import type { Attributes, DiagLogLevel, TextMapPropagator } from '@opentelemetry/api';
import { DiagLogLevel as Level } from '@opentelemetry/api';
import type { Sampler, SpanExporter } from '../internal/sdk.js';
import { tellOnce } from '../internal/diag.js';
import { checkedNumber } from '../internal/validate.js';
import { createPropagator } from '../propagation/composite.js';
import { readAppPackage } from './app-package.js';
import { logLevelOfName, readLogLevel } from './env.js';
import type { EnvSettings } from './env.js';
import type {
  ExporterName,
  InstrumentationsOptions,
  OtlpOptions,
  SamplerName,
  SamplingOptions,
  TracelightOptions,
} from './options.js';
import { createSampling } from './sampler.js';
import type { ResolvedTailSampling } from '../sampling/tail-sampling-options.js';
import type { RedactOptions } from '../span/redact.js';
import type { ResolvedSpanLimits } from '../span/span-runtime.js';
import { ENV_ENDPOINT_NAMES, resolveOtlpTracesUrl } from '../exporters/otlp-endpoint.js';

/** Where a resolved setting came from. */
export type ConfigSource = 'code' | 'environment' | 'default';

/** Everything init() needs, with code options, environment and defaults merged, and where each came from. */
export interface ResolvedConfig {
  disabled: boolean;
  serviceName: string;
  resourceAttributes: Attributes;
  exporters: Array<'console' | 'otlp' | 'viewer' | SpanExporter>;
  otlp: Required<Pick<OtlpOptions, 'protocol' | 'endpoint' | 'timeoutMillis' | 'compression'>> & {
    headers: Record<string, string>;
    /** Which setting the endpoint came from, so messages name the one the user used. */
    endpointSetting: EndpointSetting;
  };
  batch: { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMillis: number; exportTimeoutMillis: number };
  spanLimits: ResolvedSpanLimits;
  sampler: Sampler;
  /** Tail sampling settings, when `sampler: { tail }` asks for it. */
  tail: ResolvedTailSampling | undefined;
  propagator: TextMapPropagator;
  redact: RedactOptions | false;
  instrumentations: InstrumentationsOptions;
  debug: { openSpanThresholdMs: number } | undefined;
  /** The `diag` level init() installed before anything else (see {@link resolveLogLevel}). */
  logLevel: DiagLogLevel | undefined;
  flushOnExit: boolean;
  /** The source of each setting, by name (for reports such as a diagnose command). */
  sources: Record<ConfiguredSetting, ConfigSource>;
}

/** Where the OTLP endpoint was set: the init() option, one of the two variables, or nowhere. */
export type EndpointSetting = 'otlp.endpoint' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'default';

/** Settings whose source {@link ResolvedConfig.sources} records. */
export type ConfiguredSetting =
  | 'serviceName'
  | 'exporters'
  | 'otlp.endpoint'
  | 'otlp.protocol'
  | 'otlp.timeoutMillis'
  | 'otlp.compression'
  | 'batch.maxQueueSize'
  | 'batch.maxExportBatchSize'
  | 'batch.scheduledDelayMillis'
  | 'batch.exportTimeoutMillis'
  | 'spanLimits'
  | 'sampler'
  | 'propagators'
  | 'redact'
  | 'instrumentations'
  | 'debug'
  | 'logLevel'
  | 'flushOnExit';

const KNOWN_EXPORTERS: readonly string[] = ['console', 'otlp', 'viewer', 'none'];
const DEFAULT_PROPAGATORS = ['tracecontext', 'baggage'];

/** Code wins over the environment over the default; also says which one it was. */
function pick<T>(code: T | undefined, env: T | undefined, fallback: T): [T, ConfigSource] {
  if (code !== undefined) return [code, 'code'];
  if (env !== undefined) return [env, 'environment'];
  return [fallback, 'default'];
}

/**
 * The `diag` level to install, resolved first and on its own, so that everything resolving the
 * rest reports reaches the logger: `logLevel`, else `OTEL_LOG_LEVEL`, else INFO when `debug` asks
 * for reports, else none (the API's default: silent).
 */
export function resolveLogLevel(
  options: TracelightOptions,
  env: Record<string, string | undefined> = process.env,
): [DiagLogLevel | undefined, ConfigSource] {
  const given: unknown = options.logLevel;
  if (typeof given === 'number' && Number.isInteger(given)) return [given as DiagLogLevel, 'code'];
  if (typeof given === 'string') {
    const level = logLevelOfName(given);
    if (level !== undefined) return [level, 'code'];
    // A misspelt level must not silence the very warning about it (resolveConfig gives it).
    return [Level.WARN, 'code'];
  }
  const fromEnv = readLogLevel(env);
  if (fromEnv !== undefined) return [fromEnv, 'environment'];
  return options.debug ? [Level.INFO, 'code'] : [undefined, 'default'];
}

function exportersOf(options: TracelightOptions, env: EnvSettings, sources: ResolvedConfig['sources']): ResolvedConfig['exporters'] {
  const code = options.exporter === undefined ? undefined : Array.isArray(options.exporter) ? options.exporter : [options.exporter];
  const [chosen, source] = pick<Array<ExporterName | SpanExporter | string>>(code, env.exporters, ['otlp']);
  sources.exporters = source;
  const out: ResolvedConfig['exporters'] = [];
  const unknown: string[] = [];
  for (const e of chosen) {
    if (typeof e === 'string') {
      if (!KNOWN_EXPORTERS.includes(e)) {
        unknown.push(e);
        continue;
      }
      if (e === 'none' || out.includes(e as 'console' | 'otlp' | 'viewer')) continue;
      out.push(e as 'console' | 'otlp' | 'viewer');
    } else if (e && typeof e === 'object' && typeof (e as SpanExporter).export === 'function') {
      out.push(e as SpanExporter);
    } else {
      tellOnce('config:exporter:object', 'an exporter given to init() has no export() method; skipped.');
    }
  }
  if (unknown.length > 0) {
    const names = unknown.map((n) => JSON.stringify(n)).join(', ');
    const where = source === 'environment' ? 'OTEL_TRACES_EXPORTER' : 'the exporter option';
    // Nothing usable left (and 'none' not asked for): the default, rather than exporting nothing.
    const fallBack = out.length === 0 && !chosen.includes('none');
    if (fallBack) out.push('otlp');
    tellOnce(`config:exporter:${unknown.join(',')}`, `exporter ${names} in ${where} is unknown (use otlp, console, viewer or none); ${fallBack ? 'using the default, otlp' : 'skipped'}.`);
  }
  return out;
}

/**
 * Merges code options over the `OTEL_*` settings over the defaults, once: the pipeline is built
 * from the result alone. Code options win; bad values warn once through `diag` and fall back to
 * the default. `logLevel` is what init() installed first ({@link resolveLogLevel}).
 */
export function resolveConfig(
  options: TracelightOptions,
  env: EnvSettings,
  logLevel: [DiagLogLevel | undefined, ConfigSource] = [undefined, 'default'],
): ResolvedConfig {
  const sources = {} as Record<ConfiguredSetting, ConfigSource>;
  const givenLevel: unknown = options.logLevel;
  if (typeof givenLevel === 'string' && logLevelOfName(givenLevel) === undefined) {
    tellOnce('config:logLevel', `logLevel ${JSON.stringify(givenLevel)} is unknown (use none, error, warn, info, debug, verbose or all); using warn.`);
  }
  const setting = <T>(name: ConfiguredSetting, code: T | undefined, fromEnv: T | undefined, fallback: T): T => {
    const [value, source] = pick(code, fromEnv, fallback);
    sources[name] = source;
    return value;
  };
  const number = (name: ConfiguredSetting, label: string, code: number | undefined, fromEnv: number | undefined, fallback: number, min: number): number => {
    const [value, source] = pick<number | undefined>(code, fromEnv, undefined);
    const checked = checkedNumber(label, value, fallback, min);
    sources[name] = value !== undefined && checked === value ? source : 'default';
    return checked;
  };

  const app = readAppPackage();
  const envServiceName = env.serviceName ?? stringAttr(env.resourceAttributes['service.name']);
  const codeServiceName = options.serviceName ?? stringAttr(options.resourceAttributes?.['service.name']);
  const serviceName = setting('serviceName', codeServiceName, envServiceName, app.name ?? 'unknown_service:node');

  const resourceAttributes: Attributes = { ...env.resourceAttributes, ...options.resourceAttributes };
  resourceAttributes['service.name'] = serviceName;
  const version =
    options.serviceVersion ?? stringAttr(resourceAttributes['service.version']) ?? (codeServiceName || envServiceName ? undefined : app.version);
  if (version !== undefined) resourceAttributes['service.version'] = version;
  if (options.environment !== undefined) resourceAttributes['deployment.environment.name'] = options.environment;

  const o = options.otlp ?? {};
  // A base endpoint gets /v1/traces appended (the exporters' own rule); an unparsable one is passed
  // on as is, so the exporter reports it once with what to fix.
  const base = env.otlp.baseEndpoint;
  const envEndpoint = env.otlp.endpoint ?? (base === undefined ? undefined : (resolveOtlpTracesUrl({ endpoint: base }, ENV_ENDPOINT_NAMES) ?? base));
  const endpoint = setting('otlp.endpoint', o.endpoint, envEndpoint, resolveOtlpTracesUrl({}) as string);
  const endpointSetting: EndpointSetting =
    sources['otlp.endpoint'] === 'code'
      ? 'otlp.endpoint'
      : sources['otlp.endpoint'] === 'default'
        ? 'default'
        : env.otlp.endpoint !== undefined
          ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
          : 'OTEL_EXPORTER_OTLP_ENDPOINT';

  const b = options.batch ?? {};
  const maxQueueSize = number('batch.maxQueueSize', 'maxQueueSize', b.maxQueueSize, env.batch.maxQueueSize, 2048, 1);
  const maxExportBatchSize = Math.min(
    maxQueueSize,
    number('batch.maxExportBatchSize', 'maxExportBatchSize', b.maxExportBatchSize, env.batch.maxExportBatchSize, 512, 1),
  );

  const codeLimits = stripUndefined(options.spanLimits ?? {});
  const l = { ...env.spanLimits, ...codeLimits };
  sources.spanLimits = Object.keys(codeLimits).length > 0 ? 'code' : Object.keys(env.spanLimits).length > 0 ? 'environment' : 'default';

  const debugLevel = env.logLevel !== undefined && env.logLevel >= Level.DEBUG;
  const debug =
    options.debug === false
      ? undefined
      : options.debug === true || (options.debug === undefined && debugLevel)
        ? { openSpanThresholdMs: 10_000 }
        : options.debug
          ? { openSpanThresholdMs: checkedNumber('debug.openSpanThresholdMs', options.debug.openSpanThresholdMs, 10_000, 1) }
          : undefined;
  sources.debug = options.debug !== undefined ? 'code' : debugLevel ? 'environment' : 'default';

  const samplerChoice = setting<SamplerName | number | SamplingOptions | Sampler | undefined>('sampler', options.sampler, env.sampler, undefined);
  const sampling = createSampling(samplerChoice, env.samplerArg);
  const propagatorChoice = setting<string[] | TextMapPropagator>('propagators', options.propagators, env.propagators, DEFAULT_PROPAGATORS);
  sources.logLevel = logLevel[1];

  return {
    disabled: env.disabled,
    serviceName,
    resourceAttributes,
    exporters: exportersOf(options, env, sources),
    otlp: {
      protocol: setting('otlp.protocol', o.protocol, env.otlp.protocol, 'http/protobuf'),
      endpoint,
      endpointSetting,
      headers: { ...env.otlp.headers, ...o.headers },
      timeoutMillis: number('otlp.timeoutMillis', 'otlp.timeoutMillis', o.timeoutMillis, env.otlp.timeoutMillis, 10_000, 1),
      compression: setting('otlp.compression', o.compression, env.otlp.compression, 'none'),
    },
    batch: {
      maxQueueSize,
      maxExportBatchSize,
      scheduledDelayMillis: number('batch.scheduledDelayMillis', 'scheduledDelayMillis', b.scheduledDelayMillis, env.batch.scheduledDelayMillis, 5000, 0),
      exportTimeoutMillis: number('batch.exportTimeoutMillis', 'exportTimeoutMillis', b.exportTimeoutMillis, env.batch.exportTimeoutMillis, 30_000, 1),
    },
    spanLimits: {
      attributeCountLimit: checkedNumber('attributeCountLimit', l.attributeCountLimit, 128, 0),
      attributeValueLengthLimit: checkedNumber('attributeValueLengthLimit', l.attributeValueLengthLimit, Infinity, 0),
      eventCountLimit: checkedNumber('eventCountLimit', l.eventCountLimit, 128, 0),
      linkCountLimit: checkedNumber('linkCountLimit', l.linkCountLimit, 128, 0),
      attributePerEventCountLimit: checkedNumber('attributePerEventCountLimit', l.attributePerEventCountLimit, 128, 0),
      attributePerLinkCountLimit: checkedNumber('attributePerLinkCountLimit', l.attributePerLinkCountLimit, 128, 0),
    },
    sampler: sampling.head,
    tail: sampling.tail,
    propagator: Array.isArray(propagatorChoice) ? createPropagator(propagatorChoice) : propagatorChoice,
    redact: setting<RedactOptions | false>('redact', options.redact, undefined, {}),
    instrumentations: setting<InstrumentationsOptions>('instrumentations', options.instrumentations, undefined, {}),
    debug,
    logLevel: logLevel[0],
    flushOnExit: setting('flushOnExit', options.flushOnExit, undefined, true),
    sources,
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

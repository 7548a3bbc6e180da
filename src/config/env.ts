import { DiagLogLevel } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { tellOnce } from '../internal/diag.js';
import type { BatchOptions, OtlpOptions, SamplerName } from './options.js';

/** The `OTEL_*` settings tracelight understands, parsed and checked; absent means "not set". */
export interface EnvSettings {
  disabled: boolean;
  serviceName?: string;
  resourceAttributes: Attributes;
  exporters?: string[];
  sampler?: SamplerName;
  samplerArg?: number;
  propagators?: string[];
  logLevel?: DiagLogLevel;
  batch: BatchOptions;
  spanLimits: {
    attributeCountLimit?: number;
    attributeValueLengthLimit?: number;
    eventCountLimit?: number;
    linkCountLimit?: number;
    attributePerEventCountLimit?: number;
    attributePerLinkCountLimit?: number;
  };
  otlp: OtlpOptions & { baseEndpoint?: string };
}

type Env = Record<string, string | undefined>;

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'tracelight_probability',
  'tracelight_ratelimit',
];

const LOG_LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

function str(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function bad(name: string, value: string, expected: string, fallback: string): void {
  tellOnce(`env:${name}`, `${name}=${JSON.stringify(value)} is not ${expected}; using ${fallback}.`);
}

/** A non-negative integer variable; a bad value warns once and counts as unset. */
function int(env: Env, name: string): number | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    bad(name, v, 'a non-negative integer', 'the default');
    return undefined;
  }
  return n;
}

function list(env: Env, name: string): string[] | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return items.length ? items : undefined;
}

/** `key1=value1,key2=value2`, percent-decoded, as OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS use. */
export function parseKeyValueList(name: string, value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  for (const part of value.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      bad(name, part, 'a key=value pair', 'nothing for that entry');
      continue;
    }
    try {
      const key = decodeURIComponent(part.slice(0, eq).trim());
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      bad(name, part, 'validly percent-encoded', 'nothing for that entry');
    }
  }
  return out;
}

function protocol(env: Env, name: string): OtlpOptions['protocol'] {
  const v = str(env, name);
  if (v === undefined) return undefined;
  if (v === 'http/protobuf' || v === 'http/json') return v;
  bad(name, v, 'a supported protocol (http/protobuf or http/json; grpc is not bundled)', 'http/protobuf');
  return undefined;
}

function compression(env: Env, name: string): OtlpOptions['compression'] {
  const v = str(env, name);
  if (v === undefined) return undefined;
  if (v === 'gzip' || v === 'none') return v;
  bad(name, v, 'gzip or none', 'none');
  return undefined;
}

/** The `DiagLogLevel` of a level name as `OTEL_LOG_LEVEL` spells it (any case), or `undefined`. */
export function logLevelOfName(name: string): DiagLogLevel | undefined {
  const level = name.toLowerCase();
  return Object.hasOwn(LOG_LEVELS, level) ? LOG_LEVELS[level] : undefined;
}

/**
 * `OTEL_LOG_LEVEL`, read on its own so that init() can install the `diag` logger before anything
 * else reports through it.
 */
export function readLogLevel(env: Env = process.env): DiagLogLevel | undefined {
  const level = str(env, 'OTEL_LOG_LEVEL')?.toLowerCase();
  if (level === undefined) return undefined;
  if (level in LOG_LEVELS) return LOG_LEVELS[level];
  bad('OTEL_LOG_LEVEL', level, `one of ${Object.keys(LOG_LEVELS).join(', ')}`, 'no logging');
  return undefined;
}

/**
 * Reads every `OTEL_*` variable tracelight honours, in this one place. Bad values warn once
 * through `diag` and count as unset, so the default applies.
 */
export function readEnv(env: Env = process.env): EnvSettings {
  const disabledRaw = str(env, 'OTEL_SDK_DISABLED');
  const out: EnvSettings = {
    disabled: disabledRaw?.toLowerCase() === 'true',
    resourceAttributes: parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', env.OTEL_RESOURCE_ATTRIBUTES),
    batch: {},
    spanLimits: {},
    otlp: {},
  };
  if (disabledRaw !== undefined && !/^(true|false)$/i.test(disabledRaw)) {
    bad('OTEL_SDK_DISABLED', disabledRaw, 'true or false', 'false');
  }
  const serviceName = str(env, 'OTEL_SERVICE_NAME');
  if (serviceName) out.serviceName = serviceName;
  const exporters = list(env, 'OTEL_TRACES_EXPORTER');
  if (exporters) out.exporters = exporters;

  const sampler = str(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase();
  if (sampler !== undefined) {
    if ((SAMPLERS as readonly string[]).includes(sampler)) out.sampler = sampler as SamplerName;
    else bad('OTEL_TRACES_SAMPLER', sampler, `one of ${SAMPLERS.join(', ')}`, 'parentbased_always_on');
  }
  const arg = str(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (arg !== undefined) {
    const n = Number(arg);
    if (out.sampler === 'tracelight_ratelimit') {
      if (Number.isFinite(n) && n >= 0) out.samplerArg = n;
      else bad('OTEL_TRACES_SAMPLER_ARG', arg, 'a number of traces per second (>= 0)', '100');
    } else if (Number.isFinite(n) && n >= 0 && n <= 1) out.samplerArg = n;
    else bad('OTEL_TRACES_SAMPLER_ARG', arg, 'a ratio between 0 and 1', '1.0');
  }
  const propagators = list(env, 'OTEL_PROPAGATORS');
  if (propagators) out.propagators = propagators;

  const logLevel = readLogLevel(env);
  if (logLevel !== undefined) out.logLevel = logLevel;

  const b = out.batch;
  const assign = <T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  assign(b, 'scheduledDelayMillis', int(env, 'OTEL_BSP_SCHEDULE_DELAY'));
  assign(b, 'exportTimeoutMillis', int(env, 'OTEL_BSP_EXPORT_TIMEOUT'));
  assign(b, 'maxQueueSize', int(env, 'OTEL_BSP_MAX_QUEUE_SIZE'));
  assign(b, 'maxExportBatchSize', int(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'));

  const l = out.spanLimits;
  assign(l, 'attributeCountLimit', int(env, 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? int(env, 'OTEL_ATTRIBUTE_COUNT_LIMIT'));
  assign(
    l,
    'attributeValueLengthLimit',
    int(env, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? int(env, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
  );
  assign(l, 'eventCountLimit', int(env, 'OTEL_SPAN_EVENT_COUNT_LIMIT'));
  assign(l, 'linkCountLimit', int(env, 'OTEL_SPAN_LINK_COUNT_LIMIT'));
  assign(l, 'attributePerEventCountLimit', int(env, 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT'));
  assign(l, 'attributePerLinkCountLimit', int(env, 'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT'));

  const o = out.otlp;
  assign(o, 'endpoint', str(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'));
  assign(o, 'baseEndpoint', str(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'));
  assign(o, 'protocol', protocol(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? protocol(env, 'OTEL_EXPORTER_OTLP_PROTOCOL'));
  assign(o, 'timeoutMillis', int(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? int(env, 'OTEL_EXPORTER_OTLP_TIMEOUT'));
  assign(
    o,
    'compression',
    compression(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION') ?? compression(env, 'OTEL_EXPORTER_OTLP_COMPRESSION'),
  );
  const headers = {
    ...parseKeyValueList('OTEL_EXPORTER_OTLP_HEADERS', env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseKeyValueList('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
  };
  if (Object.keys(headers).length) o.headers = headers;
  return out;
}

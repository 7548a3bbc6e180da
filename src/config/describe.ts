import { DiagLogLevel } from '@opentelemetry/api';
import type { ConfiguredSetting, ResolvedConfig } from './resolve.js';

/** One line of a configuration report: a setting, its value and where the value came from. */
export interface SettingRow {
  /** The setting, as the README's configuration table names it (`service.name`, `otlp.endpoint`, ...). */
  name: string;
  /** Its value, as text; header values and other secrets are never shown. */
  value: string;
  /** `init() option`, the `OTEL_*` variable it was read from, or `default`. */
  from: string;
}

type Env = Record<string, string | undefined>;

/** The variables a setting can be read from, in the order the reader tries them. */
const VARIABLES: Partial<Record<ConfiguredSetting, string[]>> = {
  serviceName: ['OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES'],
  exporters: ['OTEL_TRACES_EXPORTER'],
  'otlp.protocol': ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'],
  'otlp.timeoutMillis': ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT'],
  'otlp.compression': ['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION'],
  'batch.maxQueueSize': ['OTEL_BSP_MAX_QUEUE_SIZE'],
  'batch.maxExportBatchSize': ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE'],
  'batch.scheduledDelayMillis': ['OTEL_BSP_SCHEDULE_DELAY'],
  'batch.exportTimeoutMillis': ['OTEL_BSP_EXPORT_TIMEOUT'],
  sampler: ['OTEL_TRACES_SAMPLER'],
  propagators: ['OTEL_PROPAGATORS'],
  logLevel: ['OTEL_LOG_LEVEL'],
  debug: ['OTEL_LOG_LEVEL'],
};

const LEVEL_NAMES: Record<number, string> = {
  [DiagLogLevel.NONE]: 'none',
  [DiagLogLevel.ERROR]: 'error',
  [DiagLogLevel.WARN]: 'warn',
  [DiagLogLevel.INFO]: 'info',
  [DiagLogLevel.DEBUG]: 'debug',
  [DiagLogLevel.VERBOSE]: 'verbose',
  [DiagLogLevel.ALL]: 'all',
};

/**
 * The resolved configuration as report lines, each with where its value came from, so a user
 * sees at once which of their settings took effect (for diagnose()). Reads variable names only
 * to say which one was used; values come from `config`.
 */
export function describeConfig(config: ResolvedConfig, env: Env = process.env): SettingRow[] {
  const from = (setting: ConfiguredSetting): string => {
    const source = config.sources[setting];
    if (source === 'code') return 'init() option';
    if (source === 'default') return 'default';
    if (setting === 'otlp.endpoint') return config.otlp.endpointSetting;
    return VARIABLES[setting]?.find((name) => env[name]?.trim()) ?? 'environment';
  };
  const exporterNames = config.exporters.map((e) => (typeof e === 'string' ? e : `custom (${e.constructor?.name ?? 'object'})`));
  const rows: SettingRow[] = [
    { name: 'service.name', value: config.serviceName, from: from('serviceName') },
    { name: 'exporter', value: exporterNames.length > 0 ? exporterNames.join(', ') : 'none: spans are not exported', from: from('exporters') },
  ];
  if (config.exporters.includes('otlp')) {
    const o = config.otlp;
    rows.push(
      { name: 'otlp.endpoint', value: o.endpoint, from: from('otlp.endpoint') },
      { name: 'otlp.protocol', value: o.protocol, from: from('otlp.protocol') },
      { name: 'otlp.compression', value: o.compression, from: from('otlp.compression') },
      { name: 'otlp.timeoutMillis', value: String(o.timeoutMillis), from: from('otlp.timeoutMillis') },
    );
    const headerNames = Object.keys(o.headers);
    if (headerNames.length > 0) rows.push({ name: 'otlp.headers', value: `${headerNames.join(', ')} (values hidden)`, from: 'init() option or OTEL_EXPORTER_OTLP_HEADERS' });
  }
  const b = config.batch;
  rows.push(
    { name: 'batch.maxQueueSize', value: String(b.maxQueueSize), from: from('batch.maxQueueSize') },
    { name: 'batch.maxExportBatchSize', value: String(b.maxExportBatchSize), from: from('batch.maxExportBatchSize') },
    { name: 'batch.scheduledDelayMillis', value: String(b.scheduledDelayMillis), from: from('batch.scheduledDelayMillis') },
    { name: 'batch.exportTimeoutMillis', value: String(b.exportTimeoutMillis), from: from('batch.exportTimeoutMillis') },
    { name: 'sampler', value: safeText(() => config.sampler.toString()), from: from('sampler') },
    { name: 'propagators', value: safeText(() => config.propagator.fields().join(', ')) + ' headers', from: from('propagators') },
    { name: 'redact', value: config.redact === false ? 'off: attribute values are exported as recorded' : 'on', from: from('redact') },
    { name: 'instrumentations', value: describeInstrumentations(config.instrumentations), from: from('instrumentations') },
    {
      name: 'logLevel',
      value: config.logLevel === undefined ? "not set: tracelight's own problems go to stderr" : (LEVEL_NAMES[config.logLevel] ?? String(config.logLevel)),
      from: from('logLevel'),
    },
    { name: 'flushOnExit', value: String(config.flushOnExit), from: from('flushOnExit') },
  );
  const tail = config.tail;
  if (tail !== undefined) {
    const at = rows.findIndex((r) => r.name === 'sampler') + 1;
    const rules = [tail.keepErrors ? 'errors' : '', Number.isFinite(tail.slowerThanMs) ? `roots slower than ${tail.slowerThanMs} ms` : '', `${Number((tail.baseline * 100).toPrecision(6))}% of the rest`]
      .filter(Boolean)
      .join(', ');
    rows.splice(at, 0, {
      name: 'sampler.tail',
      value: `keeps ${rules}; at most ${tail.maxFragments} fragments of ${tail.maxSpansPerFragment} spans held, decided after ${tail.decisionTimeoutMs} ms at the latest`,
      from: from('sampler'),
    });
  }
  if (config.disabled) rows.unshift({ name: 'disabled', value: 'true: init() starts nothing', from: 'OTEL_SDK_DISABLED' });
  return rows;
}

function describeInstrumentations(i: ResolvedConfig['instrumentations']): string {
  // Express turns http on unless http is turned off on purpose (pipeline.ts does the same).
  const http = i.http ?? (i.express ? true : undefined);
  return `http ${http ? 'on' : 'off'}, express ${i.express ? 'on' : 'off'}`;
}

function safeText(read: () => string): string {
  try {
    return read();
  } catch {
    return '(unreadable)';
  }
}

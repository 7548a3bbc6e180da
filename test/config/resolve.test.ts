import { diag, DiagLogLevel } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnv, readLogLevel } from '../../src/config/env.js';
import { resolveConfig, resolveLogLevel } from '../../src/config/resolve.js';
import { resolveOtlpTracesUrl } from '../../src/exporters/otlp-endpoint.js';
import { createSampler } from '../../src/config/sampler.js';
import { forgetReported } from '../../src/internal/diag.js';
import { captureDiag } from '../helpers/capture-diag.js';

describe('OTEL_* environment', () => {
  let messages: string[];
  beforeEach(() => {
    forgetReported();
    messages = captureDiag();
  });
  afterEach(() => diag.disable());

  it('reads every supported variable', () => {
    const env = readEnv({
      OTEL_SERVICE_NAME: 'svc',
      OTEL_RESOURCE_ATTRIBUTES: 'team=core,deployment.environment.name=prod%20eu',
      OTEL_TRACES_EXPORTER: 'console, otlp',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_PROPAGATORS: 'tracecontext,baggage,b3',
      OTEL_SDK_DISABLED: 'false',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BSP_EXPORT_TIMEOUT: '2000',
      OTEL_BSP_MAX_QUEUE_SIZE: '10',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '5',
      OTEL_ATTRIBUTE_COUNT_LIMIT: '7',
      OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '20',
      OTEL_SPAN_EVENT_COUNT_LIMIT: '3',
      OTEL_SPAN_LINK_COUNT_LIMIT: '2',
      OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '4',
      OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '5',
      OTEL_LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D,x-other=1',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-other=2',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1234',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    });
    expect(env).toMatchObject({
      disabled: false,
      serviceName: 'svc',
      resourceAttributes: { team: 'core', 'deployment.environment.name': 'prod eu' },
      exporters: ['console', 'otlp'],
      sampler: 'parentbased_traceidratio',
      samplerArg: 0.25,
      propagators: ['tracecontext', 'baggage', 'b3'],
      logLevel: DiagLogLevel.WARN,
      batch: { scheduledDelayMillis: 100, exportTimeoutMillis: 2000, maxQueueSize: 10, maxExportBatchSize: 5 },
      spanLimits: {
        attributeCountLimit: 7,
        attributeValueLengthLimit: 20,
        eventCountLimit: 3,
        linkCountLimit: 2,
        attributePerEventCountLimit: 4,
        attributePerLinkCountLimit: 5,
      },
      otlp: {
        baseEndpoint: 'http://127.0.0.1:4318/',
        headers: { 'x-api-key': 'abc=', 'x-other': '2' },
        protocol: 'http/json',
        timeoutMillis: 1234,
        compression: 'gzip',
      },
    });
    expect(messages).toEqual([]);
  });

  it('warns once per bad variable and falls back to the default', () => {
    const bad = {
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: '2',
      OTEL_BSP_MAX_QUEUE_SIZE: '-1',
      OTEL_LOG_LEVEL: 'loud',
      OTEL_SDK_DISABLED: 'yes',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_RESOURCE_ATTRIBUTES: 'novalue,k=%E0%A4%A',
    };
    const env = readEnv(bad);
    readEnv(bad);
    expect(env.sampler).toBeUndefined();
    expect(env.samplerArg).toBeUndefined();
    expect(env.batch.maxQueueSize).toBeUndefined();
    expect(env.logLevel).toBeUndefined();
    expect(env.disabled).toBe(false);
    expect(env.otlp.protocol).toBeUndefined();
    expect(env.resourceAttributes).toEqual({});
    for (const name of Object.keys(bad)) {
      expect(messages.filter((m) => m.includes(name)).length, name).toBeGreaterThanOrEqual(1);
    }
    // Read twice, reported once: one message per variable (both bad resource entries share one).
    expect(messages).toHaveLength(7);
    expect(messages.every((m) => m.startsWith('tracelight: '))).toBe(true);
  });

  it('OTEL_SDK_DISABLED is case-insensitive', () => {
    expect(readEnv({ OTEL_SDK_DISABLED: 'TRUE' }).disabled).toBe(true);
    expect(readEnv({}).disabled).toBe(false);
  });

  it('reads OTEL_LOG_LEVEL on its own', () => {
    expect(readLogLevel({ OTEL_LOG_LEVEL: 'DEBUG' })).toBe(DiagLogLevel.DEBUG);
    expect(readLogLevel({})).toBeUndefined();
  });
});

describe('resolveConfig', () => {
  beforeEach(() => forgetReported());

  it('code options win over the environment', () => {
    const env = readEnv({
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_BSP_MAX_QUEUE_SIZE: '10',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:1/env',
      OTEL_SPAN_EVENT_COUNT_LIMIT: '3',
    });
    const cfg = resolveConfig(
      {
        serviceName: 'from-code',
        exporter: 'none',
        batch: { maxQueueSize: 99 },
        otlp: { endpoint: 'http://127.0.0.1:2/code' },
        spanLimits: { eventCountLimit: 9 },
      },
      env,
    );
    expect(cfg.serviceName).toBe('from-code');
    expect(cfg.exporters).toEqual([]);
    expect(cfg.batch.maxQueueSize).toBe(99);
    expect(cfg.otlp.endpoint).toBe('http://127.0.0.1:2/code');
    expect(cfg.spanLimits.eventCountLimit).toBe(9);
  });

  it('records where each setting came from, and resolves sampler and propagator once', () => {
    const cfg = resolveConfig(
      { serviceName: 'code', sampler: 0.5, batch: { maxQueueSize: 100, maxExportBatchSize: -1 } },
      readEnv({ OTEL_TRACES_EXPORTER: 'console', OTEL_PROPAGATORS: 'tracecontext', OTEL_BSP_SCHEDULE_DELAY: '50' }),
      resolveLogLevel({}, { OTEL_LOG_LEVEL: 'warn' }),
    );
    expect(cfg.sources).toMatchObject({
      serviceName: 'code',
      sampler: 'code',
      'batch.maxQueueSize': 'code',
      'batch.maxExportBatchSize': 'default', // -1 was rejected (and reported)
      exporters: 'environment',
      propagators: 'environment',
      'batch.scheduledDelayMillis': 'environment',
      logLevel: 'environment',
      'otlp.endpoint': 'default',
      'batch.exportTimeoutMillis': 'default',
      flushOnExit: 'default',
    });
    expect(cfg.logLevel).toBe(DiagLogLevel.WARN);
    expect(cfg.sampler.toString()).toBe('TracelightHeadSampler{ratio=0.5, th=8, parentBased}');
    expect(cfg.propagator.fields()).toEqual(['traceparent', 'tracestate']);
    expect(cfg.batch.maxExportBatchSize).toBe(100); // the default 512, capped by the queue
  });

  it('one numeric rule everywhere: >= the minimum, finite; 0 is allowed where the minimum is 0', () => {
    const cfg = resolveConfig(
      { batch: { scheduledDelayMillis: 0, exportTimeoutMillis: 0, maxQueueSize: Number.NaN }, spanLimits: { attributeCountLimit: 0 } },
      readEnv({}),
    );
    expect(cfg.batch).toMatchObject({ scheduledDelayMillis: 0, exportTimeoutMillis: 30_000, maxQueueSize: 2048 });
    expect(cfg.spanLimits.attributeCountLimit).toBe(0);
  });

  it('the environment fills what code leaves out, then the defaults', () => {
    const cfg = resolveConfig({}, readEnv({ OTEL_SERVICE_NAME: 'from-env', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4318' }));
    expect(cfg.serviceName).toBe('from-env');
    expect(cfg.exporters).toEqual(['otlp']);
    expect(cfg.otlp).toMatchObject({ endpoint: 'http://h:4318/v1/traces', protocol: 'http/protobuf', compression: 'none' });
    expect(cfg.batch).toEqual({ maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000, exportTimeoutMillis: 30000 });
    expect(cfg.spanLimits).toMatchObject({ attributeCountLimit: 128, attributeValueLengthLimit: Infinity, eventCountLimit: 128 });
    expect(cfg.redact).toEqual({});
    expect(cfg.flushOnExit).toBe(true);
  });

  it('OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
    const cfg = resolveConfig({}, readEnv({ OTEL_SERVICE_NAME: 'a', OTEL_RESOURCE_ATTRIBUTES: 'service.name=b' }));
    expect(cfg.resourceAttributes['service.name']).toBe('a');
  });

  it('falls back to the app package.json name and version', () => {
    // The tests run in this repository, whose package.json names tracelight.
    const cfg = resolveConfig({}, readEnv({}));
    expect(cfg.serviceName).toBe('tracelight');
    expect(cfg.resourceAttributes['service.version']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('keeps environment and version options', () => {
    const cfg = resolveConfig({ serviceName: 's', serviceVersion: '1.2.3', environment: 'staging' }, readEnv({}));
    expect(cfg.resourceAttributes).toMatchObject({
      'service.name': 's',
      'service.version': '1.2.3',
      'deployment.environment.name': 'staging',
    });
  });

  it('unknown exporter names are skipped with a warning, duplicates collapse', () => {
    const cfg = resolveConfig({ exporter: ['console', 'console', 'jaeger' as never, 'none'] }, readEnv({}));
    expect(cfg.exporters).toEqual(['console']);
  });

  it('debug from the option or OTEL_LOG_LEVEL=debug', () => {
    expect(resolveConfig({ debug: true }, readEnv({})).debug).toEqual({ openSpanThresholdMs: 10000 });
    expect(resolveConfig({}, readEnv({ OTEL_LOG_LEVEL: 'debug' })).debug).toEqual({ openSpanThresholdMs: 10000 });
    expect(resolveConfig({ debug: { openSpanThresholdMs: 50 } }, readEnv({})).debug).toEqual({ openSpanThresholdMs: 50 });
    expect(resolveConfig({}, readEnv({})).debug).toBeUndefined();
  });

  it('a base endpoint gets /v1/traces once', () => {
    expect(resolveOtlpTracesUrl({ endpoint: 'http://x:4318' })).toBe('http://x:4318/v1/traces');
    expect(resolveOtlpTracesUrl({ endpoint: 'http://x:4318///' })).toBe('http://x:4318/v1/traces');
  });
});

describe('createSampler', () => {
  it('maps the specification names', () => {
    expect(createSampler('always_on').toString()).toBe('AlwaysOnSampler');
    expect(createSampler('always_off').toString()).toBe('AlwaysOffSampler');
    expect(createSampler('traceidratio', 0.5).toString()).toBe('TraceIdRatioBased{0.5}');
    expect(createSampler(undefined).toString()).toContain('ParentBased{root=AlwaysOnSampler');
    expect(createSampler('parentbased_traceidratio', 0.1).toString()).toContain('root=TraceIdRatioBased{0.1}');
    expect(createSampler(0.2).toString()).toBe('TracelightHeadSampler{ratio=0.2, th=cccd, parentBased}');
  });

  it('an out-of-range ratio falls back to sampling everything', () => {
    expect(createSampler(7).toString()).toContain('root=AlwaysOnSampler');
  });
});

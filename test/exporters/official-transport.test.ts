/**
 * Canary for the one assumption about the official OTLP exporter's private fields
 * (src/exporters/official-transport.ts). CI runs it on both OpenTelemetry generations
 * (otlp-exporter-base 0.223 and 0.301), so a release that moves the fields fails here, by name,
 * before users see the fallback. It checks the probe, then the behaviour relied on, for real.
 */
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diag } from '@opentelemetry/api';
import { findOfficialTransport, installRetryLayer, OFFICIAL_TRANSPORT_ASSUMPTION } from '../../src/exporters/official-transport.js';
import { DEFAULT_RETRY_POLICY } from '../../src/exporters/retrying-transport.js';
import { forgetReported } from '../../src/internal/diag.js';
import { captureDiag } from '../helpers/capture-diag.js';
import { installedVersion } from '../helpers/installed-version.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { OtlpReceiver } from './otlp-receiver.js';
import { setupTracing } from './helpers.js';

const require = createRequire(import.meta.url);
const PACKAGES = ['@opentelemetry/exporter-trace-otlp-proto', '@opentelemetry/exporter-trace-otlp-http'] as const;
const exporterBase = { version: installedVersion('@opentelemetry/otlp-exporter-base') };

interface OfficialExporter {
  export(spans: ReadableSpan[], done: (result: { code: number; error?: Error }) => void): void;
  shutdown(): Promise<void>;
}
function official(pkg: (typeof PACKAGES)[number], url: string): OfficialExporter {
  const { OTLPTraceExporter } = require(pkg) as { OTLPTraceExporter: new (config: object) => OfficialExporter };
  return new OTLPTraceExporter({ url, timeoutMillis: 5000 });
}

let receiver: OtlpReceiver;
const spans: ReadableSpan[] = [];
beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  const { tracer, close } = setupTracing([
    { onStart: () => undefined, onEnd: (span) => void spans.push(span), forceFlush: async () => undefined, shutdown: async () => undefined },
  ]);
  tracer.startSpan('canary').end();
  await close();
});
afterAll(() => receiver.close());
afterEach(() => {
  receiver.behave({ type: 'ok' });
  diag.disable();
});

describe.each(PACKAGES)(`%s (otlp-exporter-base ${exporterBase.version})`, (pkg) => {
  it('has the fields we assume: _delegate._transport is the official RetryingTransport, around the HTTP transport', async () => {
    const exporter = official(pkg, receiver.tracesUrl);
    try {
      const fields = findOfficialTransport(exporter);
      expect(fields, OFFICIAL_TRANSPORT_ASSUMPTION.what).toBeDefined();
      expect(fields!.outer.constructor.name).toBe('RetryingTransport');
      expect(fields!.inner).not.toBe(fields!.outer);
    } finally {
      await exporter.shutdown();
    }
  });

  it('after the swap, every request goes through our layer: a 503 is retried once by it and counted', async () => {
    const exporter = official(pkg, receiver.tracesUrl);
    const ours = installRetryLayer(exporter, receiver.tracesUrl, { ...DEFAULT_RETRY_POLICY, initialBackoffMillis: 10, maxBackoffMillis: 20 });
    expect(ours).toBeDefined();
    const before = receiver.requests.length;
    receiver.behave((index) => (index === before ? { type: 'status', status: 503 } : { type: 'ok' }));
    try {
      const result = await new Promise<{ code: number }>((resolve) => exporter.export(spans, resolve));
      expect(result.code).toBe(0);
      expect(receiver.requests.slice(before).map((r) => r.answer)).toEqual([503, 200]);
      expect(ours!.retries).toBe(1);
      expect(receiver.acceptedSpans().map((span) => span.name)).toContain('canary');
    } finally {
      await exporter.shutdown();
    }
  });
});

it('an exporter of another shape is left alone, and the fallback is reported once through diag.warn', () => {
  forgetReported();
  const messages = captureDiag();
  const stranger = { _delegate: { _transport: { send: () => undefined } } };
  expect(installRetryLayer(stranger, 'http://127.0.0.1:1/v1/traces', DEFAULT_RETRY_POLICY)).toBeUndefined();
  expect(installRetryLayer({}, 'http://127.0.0.1:1/v1/traces', DEFAULT_RETRY_POLICY)).toBeUndefined();
  expect(stranger._delegate._transport).toEqual({ send: expect.any(Function) });
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatch(/breaks an assumption .*_delegate\._transport.*fallback: the official exporter's own retries are used/);
});

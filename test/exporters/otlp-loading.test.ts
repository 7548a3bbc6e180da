/**
 * The official exporter package loads asynchronously (issue #22: a literal `import()` that
 * bundlers follow): what happens before it has loaded, and what a failed load says.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { createOtlpExporter, unavailable } from '../../src/exporters/otlp.js';
import { TracelightBatchSpanProcessor } from '../../src/exporters/batch-span-processor.js';
import { OtlpReceiver } from './otlp-receiver.js';
import { setupTracing } from './helpers.js';

const PROTO = '@opentelemetry/exporter-trace-otlp-proto';

describe('the message when the exporter package cannot be loaded', () => {
  it('names the package when it is the one missing, with the fix for installs and bundles', () => {
    const err = Object.assign(new Error(`Cannot find module '${PROTO}'\nRequire stack:\n- /srv/app.cjs`), { code: 'MODULE_NOT_FOUND' });
    const failure = unavailable(PROTO, 'http/protobuf', err);
    expect(failure.kind).toBe('otlp-unavailable');
    expect(failure.message).toMatch(/^OTLP export \(http\/protobuf\) is off: @opentelemetry\/exporter-trace-otlp-proto cannot be found; spans are not exported\./);
    expect(failure.message).toContain('`npm install tracelight` brings @opentelemetry/exporter-trace-otlp-proto');
    expect(failure.message).toContain('In a bundle (esbuild, webpack, ncc)');
    expect(failure.message).not.toContain('Require stack');
  });

  it('names the module really missing when it is a dependency of the package (ES module wording too)', () => {
    const err = new Error("Cannot find package '@opentelemetry/otlp-exporter-base' imported from /srv/node_modules/x/index.js");
    expect(unavailable(PROTO, 'http/json', err).message).toContain(
      `OTLP export (http/json) is off: @opentelemetry/otlp-exporter-base (needed by ${PROTO}) cannot be found;`,
    );
  });

  it('says the package failed to load, with the error, when it is there but throws', () => {
    const message = unavailable(PROTO, 'http/protobuf', new TypeError('x is not a function')).message;
    expect(message).toContain(`${PROTO} failed to load (TypeError: x is not a function)`);
  });
});

describe('before the package has loaded', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterEach(async () => {
    await receiver.close();
  });

  function exportNow(exporter: ReturnType<typeof createOtlpExporter>, spans: ReadableSpan[]): Promise<ExportResult> {
    return new Promise((resolve) => exporter.export(spans, resolve));
  }

  it('an export called at once waits for it and is delivered', async () => {
    const exporter = createOtlpExporter({ tracesEndpoint: receiver.tracesUrl });
    const processor = new TracelightBatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 });
    const { tracer, close } = setupTracing([processor]);
    tracer.startSpan('right-after-init').end();
    await processor.forceFlush();
    expect(receiver.acceptedSpans().map((s) => s.name)).toEqual(['right-after-init']);
    await close();
  });

  it('retries paused before it loaded stay paused for the exports waiting for it, and resume after', async () => {
    receiver.behave((index) => (index === 0 ? { type: 'status', status: 503 } : index === 1 ? { type: 'status', status: 503 } : { type: 'ok' }));
    const exporter = createOtlpExporter({ tracesEndpoint: receiver.tracesUrl, retry: { initialBackoffMillis: 5, maxBackoffMillis: 10 } });
    const resume = (exporter as unknown as { pauseRetries(): () => void }).pauseRetries();
    const first = await exportNow(exporter, []);
    expect(first.code).toBe(1);
    expect(receiver.requests.map((r) => r.answer)).toEqual([503]);
    resume();
    const second = await exportNow(exporter, []);
    expect(second.code).toBe(0);
    expect(receiver.requests.map((r) => r.answer)).toEqual([503, 503, 200]);
    expect(exporter.stats().retries).toBe(1);
    await exporter.shutdown();
  });

  it('shutdown right after creation waits for the load and settles', async () => {
    const exporter = createOtlpExporter({ tracesEndpoint: receiver.tracesUrl });
    await exporter.shutdown();
    const after = await exportNow(exporter, []);
    expect(after.code).toBe(1);
    expect(receiver.requests).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, OtlpReceiver } from '../exporters/otlp-receiver.js';
import type { ReceivedSpan } from '../exporters/otlp-receiver.js';
import { runNode } from '../helpers/child.js';

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function checkTrace(spans: ReceivedSpan[]): void {
  const byName = new Map(spans.map((s) => [s.name, s]));
  const server = byName.get('GET /checkout')!;
  const charge = byName.get('payment.charge')!;
  const linked = byName.get('linked')!;
  expect(server.parentSpanId).toBe('');
  expect(server.kind).toBe(2);
  expect(server.status.code).toBe(1);
  expect(server.attributes).toEqual({ 'http.route': '/checkout', retries: 2, ok: true, ratio: 0.5, tags: ['a', 'b'] });
  expect(server.events).toMatchObject([{ name: 'cart.loaded', attributes: { items: 3 } }]);
  expect(charge.traceId).toBe(server.traceId);
  expect(charge.parentSpanId).toBe(server.spanId);
  expect(charge.kind).toBe(3);
  expect(charge.status).toEqual({ code: 2, message: 'card declined' });
  expect(charge.events[0]!.name).toBe('exception');
  expect(charge.events[0]!.attributes).toMatchObject({ 'exception.type': 'Error', 'exception.message': 'card declined' });
  expect(charge.links).toEqual([{ traceId: linked.traceId, spanId: linked.spanId, attributes: { why: 'retry-of' } }]);
  expect(server.resource).toMatchObject({
    'service.name': 'otlp-app',
    'service.version': '9.9.9',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.distro.name': 'tracelight',
  });
  expect(typeof server.resource['telemetry.sdk.version']).toBe('string');
  expect(server.scope.name).toBe('tracelight');
  expect(BigInt(server.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(charge.endTimeUnixNano));
}

describe('init() exporting OTLP configured by OTEL_* variables (child process, real receiver)', () => {
  const cases = [
    { label: 'http/protobuf', env: {}, encoding: 'protobuf', gzip: false },
    { label: 'http/json', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, encoding: 'json', gzip: false },
    { label: 'http/protobuf + gzip', env: { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, encoding: 'protobuf', gzip: true },
  ] as const;
  for (const c of cases) {
    it(`${c.label}: spans, parents, kinds, attributes, events, links, status and resource arrive`, async () => {
      receiver = await OtlpReceiver.start();
      const r = await runNode('otlp-app.mjs', [], {
        env: {
          OTEL_SERVICE_NAME: 'otlp-app',
          OTEL_RESOURCE_ATTRIBUTES: 'service.version=9.9.9',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cr%3Dt%2C1',
          ...c.env,
        },
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('done');
      const requests = receiver.requests;
      expect(requests.length).toBeGreaterThanOrEqual(1);
      for (const req of requests) {
        expect(req.path).toBe('/v1/traces');
        expect(req.encoding).toBe(c.encoding);
        expect(req.gzip).toBe(c.gzip);
        expect(req.schemaError).toBeNull();
        expect(req.headers['x-api-key']).toBe('s3cr=t,1'); // percent-decoded, as the specification says
      }
      checkTrace(receiver.spans());
    });
  }

  it('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is', async () => {
    receiver = await OtlpReceiver.start();
    const r = await runNode('otlp-app.mjs', [], {
      env: { OTEL_SERVICE_NAME: 'otlp-app', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/path` },
    });
    expect(r.code).toBe(0);
    expect(receiver.requests.map((q) => q.path)).toContain('/custom/path');
    expect(receiver.spans().map((s) => s.name).sort()).toEqual(['GET /checkout', 'linked', 'payment.charge']);
  });

  it('with the collector down the app still finishes, exits by itself, and says so once on stderr with the fix (silent with OTEL_LOG_LEVEL=none)', async () => {
    const port = await closedPort();
    const started = Date.now();
    const r = await runNode('otlp-app.mjs', [], {
      env: { OTEL_SERVICE_NAME: 'otlp-app', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: '2000' },
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('done');
    expect(r.stderr).toBe(
      `tracelight: cannot export spans to http://127.0.0.1:${port}/v1/traces: connection refused, nothing listens there. Start the collector, or fix OTEL_EXPORTER_OTLP_ENDPOINT (a base URL: /v1/traces is appended). Spans are dropped until it answers.\n`,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    const quiet = await runNode('otlp-app.mjs', [], {
      env: { OTEL_SERVICE_NAME: 'otlp-app', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_LOG_LEVEL: 'none' },
      timeoutMs: 20_000,
    });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });
});

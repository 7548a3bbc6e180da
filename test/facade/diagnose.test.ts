/**
 * diagnose() from real processes: what a user runs to learn where their spans go. The collector
 * is a real OTLP receiver on loopback (or a closed port, or a server that is not a collector).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runNode } from '../helpers/child.js';
import { closedPort, OtlpReceiver } from '../exporters/otlp-receiver.js';

interface Report {
  ok: boolean;
  started: boolean;
  settings: Array<{ name: string; value: string; from: string }>;
  collector?: { accepts: boolean; status?: number; detail: string; url: string };
  registered: { tracerProvider: string; contextManager: string; propagator: string; diagLogger: string };
  stats?: { spansStarted: number; exported: number; dropped: { exportFailed: number } };
  problems: string[];
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function diagnoseIn(plan: object, env: Record<string, string> = {}) {
  const r = await runNode('diagnose-app.mjs', [JSON.stringify(plan)], { env, timeoutMs: 30_000 });
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  const report = JSON.parse(lines.pop()!) as Report;
  return { report, printed: lines.join('\n'), stderr: r.stderr };
}

const setting = (report: Report, name: string) => report.settings.find((s) => s.name === name);

describe('diagnose() before init(): what init() would set up here', () => {
  it('with a collector listening: ok, each setting with the variable it came from, nothing registered yet', async () => {
    const receiver = await OtlpReceiver.start();
    closers.push(() => receiver.close());
    const { report, printed, stderr } = await diagnoseIn({}, { OTEL_SERVICE_NAME: 'orders', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.started).toBe(false);
    expect(setting(report, 'service.name')).toEqual({ name: 'service.name', value: 'orders', from: 'OTEL_SERVICE_NAME' });
    expect(setting(report, 'otlp.endpoint')).toEqual({ name: 'otlp.endpoint', value: `${receiver.url}/v1/traces`, from: 'OTEL_EXPORTER_OTLP_ENDPOINT' });
    expect(setting(report, 'batch.scheduledDelayMillis')).toEqual({ name: 'batch.scheduledDelayMillis', value: '200', from: 'OTEL_BSP_SCHEDULE_DELAY' });
    expect(setting(report, 'exporter')).toEqual({ name: 'exporter', value: 'otlp', from: 'default' });
    expect(report.collector).toMatchObject({ accepts: true, status: 200, url: `${receiver.url}/v1/traces` });
    expect(receiver.requests.map((q) => q.path)).toEqual(['/v1/traces']);
    expect(receiver.spans()).toEqual([]);
    expect(report.registered.tracerProvider).toBe('none yet (init() registers tracelight)');
    expect(printed).toContain('tracing: not started in this process; what init() would set up here:');
    expect(printed).toContain('problems: none');
    expect(stderr).toBe('');
  });

  it('with nothing listening: the problem, in the terms of the setting used, and bad values found on the way', async () => {
    const port = await closedPort();
    const { report, printed, stderr } = await diagnoseIn(
      { wouldInit: { otlp: { endpoint: `http://127.0.0.1:${port}/v1/traces` }, sampler: 'sometimes' } },
      { OTEL_BSP_MAX_QUEUE_SIZE: 'lots' },
    );
    expect(report.ok).toBe(false);
    expect(setting(report, 'otlp.endpoint')?.from).toBe('init() option');
    expect(report.collector?.accepts).toBe(false);
    expect(report.problems).toEqual([
      'OTEL_BSP_MAX_QUEUE_SIZE="lots" is not a non-negative integer; using the default.',
      'unknown sampler "sometimes"; using parentbased_always_on.',
      `spans cannot be exported: connection refused: nothing listens at http://127.0.0.1:${port}/v1/traces. Start the collector, or change otlp.endpoint in init() (the full traces URL, e.g. http://collector:4318/v1/traces).`,
    ]);
    expect(printed).toContain('collector: NOT REACHABLE');
    expect(printed).toContain('problems: 3');
    // diagnose() reports what it found; it does not also write those warnings to stderr.
    expect(stderr).toBe('');
  });

  it('a server that is not an OTLP receiver is named as such', async () => {
    const server: Server = createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const { report } = await diagnoseIn({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/traces` });
    expect(report.collector).toMatchObject({ accepts: false, status: 404 });
    expect(report.problems).toEqual([
      `spans cannot be exported: http://127.0.0.1:${port}/traces answered HTTP 404: no OTLP traces receiver at that path (the usual one ends in /v1/traces, port 4318): fix OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full traces URL).`,
    ]);
  });

  it('exporter none: no collector check, and no problem', async () => {
    const { report } = await diagnoseIn({}, { OTEL_TRACES_EXPORTER: 'none' });
    expect(report.collector).toBeUndefined();
    expect(setting(report, 'exporter')).toEqual({ name: 'exporter', value: 'none: spans are not exported', from: 'OTEL_TRACES_EXPORTER' });
    expect(report.ok).toBe(true);
  });
});

describe('diagnose() after init(): the running pipeline', () => {
  it('with the collector up: started, registered by tracelight, spans exported, no problem', async () => {
    const receiver = await OtlpReceiver.start();
    closers.push(() => receiver.close());
    const { report } = await diagnoseIn({ init: { serviceName: 'orders', otlp: { endpoint: `${receiver.url}/v1/traces` } }, spans: 3 });
    expect(report.started).toBe(true);
    expect(report.ok).toBe(true);
    expect(report.registered).toMatchObject({ tracerProvider: 'tracelight', contextManager: 'tracelight', propagator: 'tracelight' });
    expect(setting(report, 'service.name')).toEqual({ name: 'service.name', value: 'orders', from: 'init() option' });
    expect(report.stats).toMatchObject({ spansStarted: 3, exported: 3 });
    expect(receiver.acceptedSpans()).toHaveLength(3);
  });

  it('with the collector down: the failure already said, the spans lost, once each', async () => {
    const port = await closedPort();
    const { report, stderr } = await diagnoseIn({ init: { otlp: { endpoint: `http://127.0.0.1:${port}/v1/traces`, timeoutMillis: 1000 } }, spans: 2 });
    expect(report.ok).toBe(false);
    expect(report.stats?.dropped.exportFailed).toBe(2);
    const said = `cannot export spans to http://127.0.0.1:${port}/v1/traces: connection refused`;
    expect(report.problems.filter((p) => p.startsWith(said))).toHaveLength(1);
    expect(report.problems).toContain('2 spans were dropped so far (2 export failed).');
    expect(report.problems.some((p) => p.startsWith('spans cannot be exported: connection refused'))).toBe(true);
    // What init() says unasked is still said once on stderr.
    expect(stderr.split('\n').filter((l) => l.startsWith('tracelight: cannot export spans'))).toHaveLength(1);
  });

  it('another SDK registered first: names it and says the spans go there', async () => {
    const { report } = await diagnoseIn({ otherProvider: true, init: { exporter: 'none', logLevel: 'none' } });
    expect(report.registered.tracerProvider).toBe("another library's (TracerProvider)");
    expect(report.problems).toContain(
      "the global tracer provider is another library's (TracerProvider), not tracelight's: spans go there, not to tracelight's exporters. Call init() before the other SDK starts, or remove it.",
    );
  });
});

/**
 * Issue #22: an app bundled into one file by esbuild, webpack or ncc, copied alone into an empty
 * folder and run with node, exports every span over OTLP (the default exporter, http/protobuf)
 * to a real receiver decoding with the official schema. Uses the built `dist/` (npm test builds
 * first), as users' bundlers do.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../exporters/otlp-receiver.js';
import type { ReceivedSpan } from '../exporters/otlp-receiver.js';
import { runNode } from '../helpers/child.js';
import { bundle } from './bundlers.js';
import type { Bundle, BundleOptions, BundlerName } from './bundlers.js';

const CALLS = 5;
/** Bundling takes 1–16 s here (ncc's first run is the slowest); room for a busy CI machine. */
const BUNDLE_TEST_TIMEOUT = 60_000;
/** Per call: `call` (withSpan), the fetch CLIENT span, the SERVER span, `handle` (withSpan). */
const SPANS = CALLS * 4;

let receiver: OtlpReceiver | undefined;
const folders: string[] = [];
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface AppOutput {
  bodies: string[];
  stats: { exported: number; spansEnded: number; dropped: Record<string, number>; queueDepth: number };
}

async function bundleAlone(bundler: BundlerName, entry: string, options: BundleOptions = {}): Promise<Bundle> {
  const b = await bundle(bundler, entry, options);
  folders.push(b.dir);
  // Nothing the bundle could load lies beside it or above it.
  expect(() => createRequire(join(b.dir, 'probe.js')).resolve('@opentelemetry/api')).toThrow();
  return b;
}

async function run(b: Bundle, env: Record<string, string> = {}) {
  return runNode(b.file, [], { cwd: b.dir, timeoutMs: 20_000, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver!.url, ...env } });
}

/** Every call is one whole trace: call → CLIENT → SERVER → handle, with the resource of the app. */
function checkTraces(spans: ReceivedSpan[]): void {
  expect(spans).toHaveLength(SPANS);
  const calls = spans.filter((s) => s.name === 'call');
  expect(calls.map((s) => s.attributes['app.call']).sort()).toEqual([0, 1, 2, 3, 4]);
  for (const call of calls) {
    const trace = spans.filter((s) => s.traceId === call.traceId);
    expect(trace).toHaveLength(4);
    const client = trace.find((s) => s.kind === 3 && s.parentSpanId === call.spanId);
    const server = trace.find((s) => s.kind === 2 && s.parentSpanId === client?.spanId);
    const handle = trace.find((s) => s.name === 'handle' && s.parentSpanId === server?.spanId);
    expect(call.parentSpanId).toBe('');
    expect(client?.attributes['http.response.status_code']).toBe(200);
    expect(server?.attributes['url.path']).toBe('/work');
    expect(handle?.attributes['app.path']).toBe('/work');
  }
  for (const span of spans) {
    expect(span.resource).toMatchObject({ 'service.name': 'bundled-app', 'telemetry.distro.name': 'tracelight' });
  }
}

describe('a bundled app, alone in an empty folder, exports every span over OTLP', () => {
  const cases: Array<{ bundler: BundlerName; entry: string; label: string; options?: BundleOptions }> = [
    { bundler: 'esbuild-cjs', entry: 'app.cjs', label: 'esbuild --format=cjs, CommonJS app (our CommonJS build)' },
    { bundler: 'esbuild-cjs', entry: 'app.mjs', label: 'esbuild --format=cjs, ES module app (our ES module build)' },
    {
      bundler: 'esbuild-cjs',
      entry: 'app.mjs',
      label: "esbuild --format=cjs --main-fields=module,main (the README's smaller bundle)",
      options: { mainFields: ['module', 'main'] },
    },
    { bundler: 'esbuild-esm', entry: 'app.mjs', label: 'esbuild --format=esm with the createRequire banner' },
    { bundler: 'webpack', entry: 'app.mjs', label: 'webpack, target node, ES module app' },
    { bundler: 'webpack', entry: 'app.cjs', label: 'webpack, target node, CommonJS app' },
    { bundler: 'ncc', entry: 'app.mjs', label: '@vercel/ncc, ES module app' },
    { bundler: 'ncc', entry: 'app.cjs', label: '@vercel/ncc, CommonJS app' },
  ];
  for (const c of cases) {
    it(c.label, async () => {
      receiver = await OtlpReceiver.start();
      const b = await bundleAlone(c.bundler, c.entry, c.options);
      // The exporters are in the bundle: bundlers followed our literal specifiers.
      expect(b.warnings).toEqual([]);
      const r = await run(b);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as AppOutput;
      expect(out.bodies).toEqual(Array(CALLS).fill('ok'));
      expect(out.stats).toMatchObject({ spansEnded: SPANS, exported: SPANS, queueDepth: 0 });
      expect(Object.values(out.stats.dropped)).toEqual([0, 0, 0, 0]);
      for (const req of receiver.requests) {
        expect(req.encoding).toBe('protobuf');
        expect(req.schemaError).toBeNull();
      }
      checkTraces(receiver.spans());
    }, BUNDLE_TEST_TIMEOUT);
  }

  it('http/json, chosen at run time, is in the bundle too', async () => {
    receiver = await OtlpReceiver.start();
    const b = await bundleAlone('esbuild-cjs', 'app.mjs');
    const r = await run(b, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(r.stderr).toBe('');
    expect(receiver.requests.map((q) => [q.encoding, q.schemaError])).toEqual(receiver.requests.map(() => ['json', null]));
    checkTraces(receiver.spans());
  });
});

describe('OTEL_PROPAGATORS=b3 in a bundle (@opentelemetry/propagator-b3, an optional peer, installed at build time)', () => {
  it('from CommonJS sources, the bundle holds it: the trace crosses fetch by B3 headers alone', async () => {
    receiver = await OtlpReceiver.start();
    const b = await bundleAlone('esbuild-cjs', 'app.cjs');
    const r = await run(b, { OTEL_PROPAGATORS: 'b3', OTEL_LOG_LEVEL: 'warn' });
    expect(r.stderr).toBe('');
    checkTraces(receiver.spans());
  });

  it('from ES module sources, it is not bundled: one warning says to pass a B3 propagator', async () => {
    receiver = await OtlpReceiver.start();
    const b = await bundleAlone('esbuild-cjs', 'app.mjs');
    const r = await run(b, { OTEL_PROPAGATORS: 'tracecontext,b3', OTEL_LOG_LEVEL: 'warn' });
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('propagator "b3" needs the optional package @opentelemetry/propagator-b3');
    expect(r.stderr).toContain('pass a B3 propagator in the `propagators` option');
    checkTraces(receiver.spans());
  });
});

describe('an exporter package missing at run time', () => {
  const PROTO = '@opentelemetry/exporter-trace-otlp-proto';

  it('is said once on stderr by default, naming the package and the fix for bundles and installs; the app runs on', async () => {
    receiver = await OtlpReceiver.start();
    const b = await bundleAlone('esbuild-cjs', 'app.mjs', { external: [PROTO] });
    const r = await run(b);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as AppOutput;
    expect(out.bodies).toEqual(Array(CALLS).fill('ok'));
    expect(out.stats).toMatchObject({ exported: 0, dropped: { exportFailed: SPANS } });
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tracelight: OTLP export \(http\/protobuf\) is off: @opentelemetry\/exporter-trace-otlp-proto cannot be found; spans are not exported\./);
    expect(lines[0]).toContain('reinstall its dependencies');
    expect(lines[0]).toContain('In a bundle (esbuild, webpack, ncc), bundle tracelight and @opentelemetry/* into it');
    expect(lines[0]).toContain('Bundling and serverless');
    expect(receiver.requests).toEqual([]);
  });

  it('goes through the diag logger when one is set, and OTEL_LOG_LEVEL=none silences it', async () => {
    receiver = await OtlpReceiver.start();
    const b = await bundleAlone('esbuild-cjs', 'app.cjs', { external: [PROTO] });
    const silent = await run(b, { OTEL_LOG_LEVEL: 'none' });
    expect(silent.code).toBe(0);
    expect(silent.stderr).toBe('');
    const logged = await run(b, { OTEL_LOG_LEVEL: 'error' });
    expect(logged.code).toBe(0);
    // DiagConsoleLogger writes errors with console.error: one line, same text.
    expect(logged.stderr.trim().split('\n')).toHaveLength(1);
    expect(logged.stderr).toMatch(/^tracelight: OTLP export \(http\/protobuf\) is off: @opentelemetry\/exporter-trace-otlp-proto cannot be found/);
  });
});

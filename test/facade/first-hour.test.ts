/**
 * What a new user sees on stderr, from real child processes: level names as users write them,
 * unknown names that fall back to the default and say so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runNode } from '../helpers/child.js';
import { closedPort, OtlpReceiver } from '../exporters/otlp-receiver.js';

const receivers: OtlpReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

async function app(options: object, env: Record<string, string> = {}) {
  const result = await runNode('config-app.mjs', [JSON.stringify(options)], { env, timeoutMs: 20_000 });
  expect(result.code).toBe(0);
  return { ...result, stats: JSON.parse(result.stdout.trim().split('\n').pop()!) as { exported: number } };
}

describe('logLevel takes the names users write', () => {
  it("'warn' installs a warn-level logger: a bad option is said on stderr", async () => {
    const { stderr } = await app({ logLevel: 'warn', exporter: 'none', sampler: 'sometimes' });
    expect(stderr).toContain('tracelight: unknown sampler "sometimes"; using parentbased_always_on.');
  });

  it("an unknown level name is said, at warn level, rather than silencing everything", async () => {
    const { stderr } = await app({ logLevel: 'loud', exporter: 'none' });
    expect(stderr).toContain('tracelight: logLevel "loud" is unknown (use none, error, warn, info, debug, verbose or all); using warn.');
  });

  it("'none' says nothing", async () => {
    const { stderr } = await app({ logLevel: 'none', exporter: 'none', sampler: 'sometimes' });
    expect(stderr).toBe('');
  });
});

describe('unknown exporter names fall back to the default (otlp) and say so', () => {
  it.each([
    ['in code', { exporter: 'jaeger', logLevel: 'warn' }, {}, 'the exporter option'],
    ['in OTEL_TRACES_EXPORTER', { logLevel: 'warn' }, { OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER'],
  ])('%s: spans still reach the collector', async (_where, options, env, named) => {
    const receiver = await OtlpReceiver.start();
    receivers.push(receiver);
    const { stderr, stats } = await app(options, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env });
    expect(stderr).toContain(`tracelight: exporter "jaeger" in ${named} is unknown (use otlp, console, viewer or none); using the default, otlp.`);
    expect(stats.exported).toBe(1);
    expect(receiver.acceptedSpans().map((s) => s.name)).toEqual(['one']);
  });

  it('beside a known exporter, an unknown one is skipped, and said', async () => {
    const { stderr } = await app({ exporter: ['none', 'jaeger'], logLevel: 'warn' });
    expect(stderr).toContain('exporter "jaeger" in the exporter option is unknown (use otlp, console, viewer or none); skipped.');
  });
});

describe('a preload plus the app\'s own init()', () => {
  it('says, by default on stderr, that the options were ignored and what to do', async () => {
    const r = await runNode('preload-then-init.mjs', [], {
      nodeArgs: ['--import', 'tracelight/register'],
      env: { OTEL_SERVICE_NAME: 'from-the-preload', OTEL_TRACES_EXPORTER: 'none' },
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'tracelight: init() was called more than once (tracing was started by an earlier init() or a preload such as tracelight/register); its options serviceName are ignored and the first configuration (service.name "from-the-preload") stays. With a preload, configure through OTEL_* variables (OTEL_SERVICE_NAME, ...), or drop the preload and keep init().\n',
    );
  });
});

describe('withSpan() before init()', () => {
  it('init() says how many spans were lost and what to do', async () => {
    const r = await runNode('span-before-init.mjs', [], { env: { OTEL_TRACES_EXPORTER: 'none' }, timeoutMs: 20_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'tracelight: withSpan() ran 2 times before init(), with no tracer provider registered: those spans were not recorded. Call init() before the code that makes spans (at the top of the entry file), or preload it: node --import tracelight/register app.js.\n',
    );
  });

  it('says nothing with logLevel none', async () => {
    const r = await runNode('span-before-init.mjs', [], { env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOG_LEVEL: 'none' }, timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
  });
});

describe('an unreachable collector is said in the terms of the setting the user used', () => {
  it.each([
    ['the default endpoint', (_port: number) => ({}), {}, 'http://localhost:PORT/v1/traces', "point tracelight at yours with OTEL_EXPORTER_OTLP_ENDPOINT=http://host:4318 (or init({ otlp: { endpoint } })); exporter 'console' prints traces in the terminal instead"],
    ['otlp.endpoint in init()', (port: number) => ({ otlp: { endpoint: `http://127.0.0.1:${port}/v1/traces` } }), {}, 'http://127.0.0.1:PORT/v1/traces', 'change otlp.endpoint in init() (the full traces URL, e.g. http://collector:4318/v1/traces)'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', () => ({}), { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:PORT/t' }, 'http://127.0.0.1:PORT/t', 'fix OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full traces URL)'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', () => ({}), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:PORT' }, 'http://127.0.0.1:PORT/v1/traces', 'fix OTEL_EXPORTER_OTLP_ENDPOINT (a base URL: /v1/traces is appended)'],
  ])('%s: one line on stderr, before a short script exits, naming only that setting', async (_where, options, env, url, fix) => {
    const port = await closedPort();
    const withPort = (t: string) => t.replaceAll('PORT', String(port));
    // The default endpoint is localhost:4318; with something listening there this case would not be a failure.
    const isDefault = Object.keys(env).length === 0 && Object.keys(options(port)).length === 0;
    if (isDefault) {
      const probe = await fetch('http://localhost:4318/', { signal: AbortSignal.timeout(500) }).then(() => true, () => false);
      if (probe) return expect.fail('something listens on localhost:4318; this test needs it free');
    }
    const envWithPort = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, withPort(v as string)]));
    const { stderr, stats } = await app(
      { ...options(port), batch: { exportTimeoutMillis: 2000 } },
      { ...envWithPort, OTEL_EXPORTER_OTLP_TIMEOUT: '2000' },
    );
    const shownUrl = isDefault ? 'http://localhost:4318/v1/traces' : withPort(url);
    expect(stderr).toBe(`tracelight: cannot export spans to ${shownUrl}: connection refused, nothing listens there. Start the collector, or ${fix}. Spans are dropped until it answers.\n`);
    for (const name of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'otlp.endpoint']) {
      if (!fix.includes(name)) expect(stderr).not.toContain(name);
    }
    expect(stats.exported).toBe(0);
  });

  it('a base endpoint that already ends in /v1/traces names the variable it was read from', async () => {
    const receiver = await OtlpReceiver.start();
    receivers.push(receiver);
    const { stderr, stats } = await app({ logLevel: 'warn' }, { OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/v1/traces` });
    expect(stderr).toContain(
      `tracelight: OTEL_EXPORTER_OTLP_ENDPOINT (${receiver.url}/v1/traces) already ends in /v1/traces, so it is used as is. It is a base URL to which /v1/traces is appended; give the full URL as OTEL_EXPORTER_OTLP_TRACES_ENDPOINT instead.`,
    );
    expect(stats.exported).toBe(1);
  });
});

describe('bad options are said by default, one stderr line each, and tracing carries on with the default', () => {
  it('in code and in OTEL_* variables, with no log level set', async () => {
    const { stderr, stats } = await app(
      { exporter: 'none', sampler: 'sometimes', batch: { maxQueueSize: -1 } },
      { OTEL_PROPAGATORS: 'xray', OTEL_BSP_SCHEDULE_DELAY: 'soon' },
    );
    expect(stderr.split('\n').filter(Boolean).sort()).toEqual(
      [
        'tracelight: OTEL_BSP_SCHEDULE_DELAY="soon" is not a non-negative integer; using the default.',
        'tracelight: maxQueueSize=-1 is not a number >= 1; using 2048.',
        'tracelight: no usable propagator in "xray"; using the default, tracecontext and baggage.',
        'tracelight: unknown propagator "xray" in OTEL_PROPAGATORS was ignored; use tracecontext, baggage, b3, b3multi or none.',
        'tracelight: unknown sampler "sometimes"; using parentbased_always_on.',
      ].sort(),
    );
    expect(stats).toMatchObject({ spansStarted: 1, spansEnded: 1 });
  });

  it('another tracer provider registered before init(): said, since tracelight exports none of the spans', async () => {
    const r = await runNode('diagnose-app.mjs', [JSON.stringify({ otherProvider: true, init: { exporter: 'none' } })], { timeoutMs: 20_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "tracelight: another OpenTelemetry tracer provider is already registered: withSpan and every instrumentation send their spans to it, and tracelight's exporters get none. Call init() before the other SDK starts, or remove it.\n",
    );
  });

  it('all well: not a line', async () => {
    const receiver = await OtlpReceiver.start();
    receivers.push(receiver);
    const { stderr, stats } = await app({ serviceName: 'fine', instrumentations: { http: true } }, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    expect(stderr).toBe('');
    expect(stats.exported).toBe(1);
  });
});

describe('spans dropped because the queue is full', () => {
  it('one stderr line per outage, by default, naming both settings; every span counted', async () => {
    const receiver = await OtlpReceiver.start();
    receivers.push(receiver);
    const r = await runNode('burst-app.mjs', [JSON.stringify({ batch: { maxQueueSize: 10, maxExportBatchSize: 10 } }), '100'], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'tracelight: span queue is full (maxQueueSize 10): new spans are dropped until the exporter catches up. If the collector is healthy, raise the queue size (batch.maxQueueSize in init(), or OTEL_BSP_MAX_QUEUE_SIZE) or sample fewer spans.\n',
    );
    const stats = JSON.parse(r.stdout.trim()) as { exported: number; dropped: { queueFull: number } };
    // Every span is either exported (and received) or counted as dropped.
    expect(stats.dropped.queueFull).toBeGreaterThan(0);
    expect(stats.exported + stats.dropped.queueFull).toBe(100);
    expect(receiver.acceptedSpans()).toHaveLength(stats.exported);
  });
});

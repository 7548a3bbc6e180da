// exporter: 'viewer' and OTEL_TRACES_EXPORTER=viewer send OTLP/protobuf to the local viewer's
// address (http://127.0.0.1:4318/v1/traces); diagnose() probes that address.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { diagnose } from '../../src/index.js';
import { VIEWER_TRACES_URL } from '../../src/exporters/viewer-endpoint.js';

afterEach(() => vi.unstubAllEnvs());

describe("exporter 'viewer'", () => {
  it('in code: the viewer is where spans go', async () => {
    const d = await diagnose({ init: { exporter: 'viewer' }, print: false, timeoutMillis: 300 });
    expect(d.settings.find((s) => s.name === 'exporter')?.value).toBe('viewer');
    expect(d.collector?.url).toBe(VIEWER_TRACES_URL);
    expect(VIEWER_TRACES_URL).toBe('http://127.0.0.1:4318/v1/traces');
  });

  it('in OTEL_TRACES_EXPORTER, beside console', async () => {
    vi.stubEnv('OTEL_TRACES_EXPORTER', 'console,viewer');
    const d = await diagnose({ print: false, timeoutMillis: 300 });
    expect(d.settings.find((s) => s.name === 'exporter')?.value).toBe('console, viewer');
    expect(d.collector?.url).toBe(VIEWER_TRACES_URL);
    expect(d.problems.join('\n')).not.toContain('unknown');
  });
});

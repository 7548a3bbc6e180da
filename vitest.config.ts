import { defineConfig } from 'vitest/config';

/** The HTTP suites run twice: under the official SDK provider, and under tracelight's own init() pipeline. */
const HTTP_SUITES = ['test/http/server.test.ts', 'test/http/client.test.ts', 'test/http/concurrency.test.ts', 'test/http/rpc-metadata.test.ts', 'test/express/express.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Global OpenTelemetry registrations are process-wide: keep each file in its own process.
    isolate: true,
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts', 'src/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'http on tracelight', include: HTTP_SUITES, env: { TRACELIGHT_TEST_PIPELINE: 'tracelight' } },
      },
    ],
  },
});

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The version of the package `name` as the tests resolve it (read from its package.json, which
 * its `exports` may not expose), or '?'. Tells the OpenTelemetry generation a run is on.
 */
export function installedVersion(name: string): string {
  for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === name) return pkg.version ?? '?';
  }
  return '?';
}

/** True on OpenTelemetry JS 3.x (`@opentelemetry/api` 1.10), false on 2.x (api 1.9). */
export const OTEL_GEN3 = installedVersion('@opentelemetry/api').startsWith('1.10.');

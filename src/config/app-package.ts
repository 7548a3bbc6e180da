import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The `name` and `version` of the application's package.json, found from the working directory up. */
export function readAppPackage(startDir: string = process.cwd()): { name?: string; version?: string } {
  let dir = startDir;
  for (let i = 0; i < 32; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      const out: { name?: string; version?: string } = {};
      if (typeof pkg.name === 'string' && pkg.name) out.name = pkg.name;
      if (typeof pkg.version === 'string' && pkg.version) out.version = pkg.version;
      return out;
    } catch {
      // No (readable) package.json here: look one folder up.
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return {};
}

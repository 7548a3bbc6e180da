/**
 * The API reference (`npm run docs`, TypeDoc) documents every entry of the package: its entry
 * points are the build's entries, one per subpath of package.json `exports`.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { entries } from '../../tsup.config.js';

const read = (file: string): unknown => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));

it('typedoc.json documents every entry of package.json exports', () => {
  const typedoc = read('typedoc.json') as { entryPoints: string[]; validation: Record<string, boolean>; treatValidationWarningsAsErrors: boolean };
  const pkg = read('package.json') as { exports: Record<string, unknown> };
  const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
  expect(Object.keys(entries)).toHaveLength(subpaths.length);
  expect([...typedoc.entryPoints].sort()).toEqual(Object.values(entries).sort());
  expect(typedoc.validation).toMatchObject({ notExported: true, invalidLink: true, notDocumented: true });
  expect(typedoc.treatValidationWarningsAsErrors).toBe(true);
});

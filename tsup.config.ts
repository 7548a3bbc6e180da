import { defineConfig } from 'tsup';

/** Public entry points; each becomes a subpath in package.json `exports`. */
export const entries = {
  index: 'src/index.ts',
  register: 'src/register.ts',
  testing: 'src/testing/index.ts',
  http: 'src/instrumentations/http/index.ts',
  express: 'src/instrumentations/express/index.ts',
  sdk: 'src/sdk.ts',
};

export default defineConfig({
  entry: entries,
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  shims: true,
});

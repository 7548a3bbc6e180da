import { build } from 'esbuild';
import { cpSync, readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import type { Options } from 'tsup';

type TsupPlugin = NonNullable<Options['plugins']>[number];

/**
 * In the CommonJS build, turns esbuild's `__require("pkg")` shim calls back into plain
 * `require("pkg")`, and the then unused shim into a stub. tsup builds split CommonJS through
 * esbuild's ES module output, which routes every `require()` through the shim; bundlers follow
 * only a literal `require("pkg")` (the modules we load lazily must be in users' bundles), and
 * webpack warns about the shim's bare `require`. Line and column counts stay as they were, so
 * the source maps stay right; a shim call with a computed name fails the build.
 */
const literalRequires: TsupPlugin = {
  name: 'literal-requires',
  renderChunk(code, chunk) {
    if (this.format !== 'cjs') return undefined;
    let out = code.replace(/\b(?:[\w$]+\.)?__require\((?=\s*(?:\/\*[\s\S]*?\*\/\s*)*["'])/g, (m) => ' '.repeat(m.length - 8) + 'require(');
    out = out.replace(/var __require = \/\* @__PURE__ \*\/ \(\(x\) =>[\s\S]*?is not supported'\);\n\}\);/, (m) => {
      const stub = 'var __require = (x) => { throw Error(`Dynamic require of "${x}" is not supported`); };';
      return stub + '\n'.repeat(m.split('\n').length - 1);
    });
    if (/\b__require\(/.test(out.replace(/var __require = .*/, ''))) {
      throw new Error(`${chunk.path}: a require() with a computed name; bundlers cannot follow it`);
    }
    return { code: out };
  },
};

export const entries = {
  index: 'src/index.ts',
  register: 'src/register.ts',
  testing: 'src/testing/index.ts',
  http: 'src/instrumentations/http/index.ts',
  express: 'src/instrumentations/express/index.ts',
  sdk: 'src/sdk.ts',
  queue: 'src/instrumentations/queue/index.ts',
};

/**
 * The `tracelight` command (bin), built apart from the library: one ES module file that loads the
 * library (for `doctor`) only through `../index.js` at run time, and the viewer's page beside it.
 * Nothing of it is reachable from the package's entry points.
 */
async function buildViewer(): Promise<void> {
  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  await build({
    entryPoints: ['src/viewer/cli.ts'],
    outfile: 'dist/viewer/cli.js',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['../index.js'],
    define: { __TRACELIGHT_VERSION__: JSON.stringify(version) },
    logLevel: 'warning',
  });
  cpSync('src/viewer/page', 'dist/viewer/page', { recursive: true });
}

export default defineConfig({
  onSuccess: buildViewer,
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
  plugins: [literalRequires],
  esbuildOptions(options, { format }) {
    // The CommonJS build loads the OTLP exporters with a literal `require()` (inside a promise),
    // not `import()`: every bundler follows both, but CommonJS hosts without ES module support
    // (Jest without --experimental-vm-modules) cannot run `import()`.
    if (format === 'cjs') options.supported = { ...options.supported, 'dynamic-import': false };
  },
});

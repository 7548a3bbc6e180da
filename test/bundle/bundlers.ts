/**
 * Bundles a fixture app with esbuild, webpack or @vercel/ncc, through their Node APIs, the way
 * the README's "Bundling and serverless" section says, and copies only the bundle into an empty
 * temporary folder (no node_modules there or above it) to be run with node.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import webpack from 'webpack';

const require = createRequire(import.meta.url);

/**
 * The package root: bundlers resolve `tracelight` from here to its built `dist/`. (Two levels up
 * from test/bundle/, and from bench/out/ where bench/bundle.bench.ts runs.)
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'bundle', 'fixtures');

/** The banner the README documents for esbuild's ES module output (CommonJS dependencies call `require`). */
export const ESM_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

export type BundlerName = 'esbuild-cjs' | 'esbuild-esm' | 'webpack' | 'ncc';

export interface Bundle {
  /** The bundle, alone in an empty temporary folder. */
  file: string;
  dir: string;
  bytes: number;
  /** Every file the bundler wrote (the bundle first); chunks the app never loads are not copied. */
  written: string[];
  /** Bundler warnings, as text. */
  warnings: string[];
  millis: number;
}

export interface BundleOptions {
  minify?: boolean;
  /** Packages left out of the bundle (to show what happens when one is missing at run time). */
  external?: string[];
  /** esbuild only: package.json fields to prefer (`['module', 'main']` takes ES module builds). */
  mainFields?: string[];
}

/** Bundles `entry` (a file in test/bundle/fixtures) with `bundler`; see the module comment. */
export async function bundle(bundler: BundlerName, entry: string, options: BundleOptions = {}): Promise<Bundle> {
  const started = Date.now();
  const outDir = mkdtempSync(join(tmpdir(), `tracelight-${bundler}-out-`));
  const input = join(FIXTURES, entry);
  const esm = bundler === 'esbuild-esm' || (bundler === 'ncc' && entry.endsWith('.mjs'));
  const outName = esm ? 'app.mjs' : bundler === 'esbuild-cjs' ? 'app.cjs' : 'app.js';
  let warnings: string[] = [];
  try {
    if (bundler === 'esbuild-cjs' || bundler === 'esbuild-esm') {
      const result = await build({
        entryPoints: [input],
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: bundler === 'esbuild-cjs' ? 'cjs' : 'esm',
        outfile: join(outDir, outName),
        minify: options.minify ?? false,
        external: options.external ?? [],
        ...(options.mainFields ? { mainFields: options.mainFields } : {}),
        logLevel: 'silent',
        ...(bundler === 'esbuild-esm' ? { banner: { js: ESM_BANNER } } : {}),
      });
      warnings = result.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`);
    } else if (bundler === 'webpack') {
      warnings = await runWebpack(input, outDir, outName, options);
    } else {
      const ncc = require('@vercel/ncc') as (
        file: string,
        opts: Record<string, unknown>,
      ) => Promise<{ code: string; assets: Record<string, { source: string | Buffer }> }>;
      const { code, assets } = await ncc(input, {
        quiet: true,
        cache: false,
        minify: options.minify ?? false,
        externals: options.external ?? [],
      });
      writeFileSync(join(outDir, outName), code);
      for (const [name, asset] of Object.entries(assets)) writeFileSync(join(outDir, basename(name)), asset.source);
    }
    const written = [outName, ...readdirSync(outDir).filter((f) => f !== outName).sort()];
    const dir = mkdtempSync(join(tmpdir(), `tracelight-${bundler}-run-`));
    const file = join(dir, outName);
    copyFileSync(join(outDir, outName), file);
    return { file, dir, bytes: statSync(file).size, written, warnings, millis: Date.now() - started };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** webpack for Node, into one file: the README's settings. Resolves with the warnings. */
function runWebpack(input: string, outDir: string, outName: string, options: BundleOptions): Promise<string[]> {
  return new Promise((resolve, reject) => {
    webpack(
      {
        mode: 'production',
        target: 'node',
        context: ROOT,
        entry: input,
        output: { path: outDir, filename: outName },
        optimization: { minimize: options.minify ?? false },
        externals: Object.fromEntries((options.external ?? []).map((name) => [name, `commonjs ${name}`])),
        // Lazy chunks of dependencies (machine-id detectors of @opentelemetry/resources) stay in
        // the one file: a copied bundle must not need files beside it.
        plugins: [new webpack.optimize.LimitChunkCountPlugin({ maxChunks: 1 })],
        performance: { hints: false },
      },
      (err, stats) => {
        if (err) return reject(err);
        if (stats === undefined) return reject(new Error('webpack gave no stats'));
        const info = stats.toJson({ all: false, errors: true, warnings: true });
        if (stats.hasErrors()) return reject(new Error(`webpack failed: ${JSON.stringify(info.errors)}`));
        resolve((info.warnings ?? []).map((w) => `${w.moduleName ?? ''}: ${w.message}`));
      },
    );
  });
}

/**
 * Lazy loading of `@opentelemetry/propagator-b3`, an optional peer dependency: only users who
 * ask for `b3` or `b3multi` need it installed.
 * @module
 */
// The default import, not `{ createRequire }`: webpack parses `createRequire(...)` calls and warns
// about one whose argument is not `import.meta.url`.
import Module from 'node:module';
import { join } from 'node:path';
import type { TextMapPropagator } from '@opentelemetry/api';

/** Package that provides the B3 propagators. */
export const B3_PACKAGE = '@opentelemetry/propagator-b3';

/** The part of `@opentelemetry/propagator-b3` we use (typed here so its types are not required). */
interface B3Module {
  B3Propagator: new (config?: { injectEncoding?: number }) => TextMapPropagator;
  B3InjectEncoding: { SINGLE_HEADER: number; MULTI_HEADER: number };
}

const loaded = new Map<() => unknown, B3Module | null>();

/**
 * Loads the package. Our CommonJS build has a literal `require()`, which every bundler follows
 * (it bundles the package when installed, and accepts its absence: the call sits in a `try`).
 * Our ES module build has no `require`: there the package, a peer dependency that the app
 * installs, is resolved from the app (its main script, else the working directory), without
 * `import.meta`, which esbuild warns about when it bundles ES modules to CommonJS. Bundlers do
 * not include it then: the warning of `createPropagator` says to pass a B3 propagator instead.
 */
function requireB3(): unknown {
  try {
    return require('@opentelemetry/propagator-b3');
  } catch (err) {
    const from = [process.argv[1], join(process.cwd(), 'package.json')].filter((p): p is string => typeof p === 'string' && p !== '');
    for (const path of from) {
      try {
        return Module.createRequire(path)('@opentelemetry/propagator-b3');
      } catch {
        // Not resolvable from there.
      }
    }
    throw err;
  }
}

function load(requireModule: () => unknown): B3Module | null {
  let mod = loaded.get(requireModule);
  if (mod === undefined) {
    try {
      const required = requireModule() as Partial<B3Module>;
      mod = typeof required.B3Propagator === 'function' && required.B3InjectEncoding ? (required as B3Module) : null;
    } catch {
      mod = null;
    }
    loaded.set(requireModule, mod);
  }
  return mod;
}

/**
 * A B3 propagator writing the single `b3` header (`multi` false) or the `X-B3-*` headers
 * (`multi` true); both read either form. `undefined` when the package cannot be loaded.
 * @param requireModule how to load it; tests pass one that fails as a missing package does.
 * @internal
 */
export function createB3Propagator(multi: boolean, requireModule: () => unknown = requireB3): TextMapPropagator | undefined {
  const mod = load(requireModule);
  if (mod === null) return undefined;
  try {
    const encoding = multi ? mod.B3InjectEncoding.MULTI_HEADER : mod.B3InjectEncoding.SINGLE_HEADER;
    return new mod.B3Propagator({ injectEncoding: encoding });
  } catch {
    return undefined;
  }
}

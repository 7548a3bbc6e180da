/**
 * Lazy loading of `@opentelemetry/propagator-b3`, an optional peer dependency: only users who
 * ask for `b3` or `b3multi` need it installed.
 * @module
 */
import { createRequire } from 'node:module';
import type { TextMapPropagator } from '@opentelemetry/api';

/** Package that provides the B3 propagators. */
export const B3_PACKAGE = '@opentelemetry/propagator-b3';

/** The part of `@opentelemetry/propagator-b3` we use (typed here so its types are not required). */
interface B3Module {
  B3Propagator: new (config?: { injectEncoding?: number }) => TextMapPropagator;
  B3InjectEncoding: { SINGLE_HEADER: number; MULTI_HEADER: number };
}

const loaded = new Map<string, B3Module | null>();

function load(moduleId: string): B3Module | null {
  let mod = loaded.get(moduleId);
  if (mod === undefined) {
    try {
      const required = createRequire(import.meta.url)(moduleId) as Partial<B3Module>;
      mod = typeof required.B3Propagator === 'function' && required.B3InjectEncoding ? (required as B3Module) : null;
    } catch {
      mod = null;
    }
    loaded.set(moduleId, mod);
  }
  return mod;
}

/**
 * A B3 propagator writing the single `b3` header (`multi` false) or the `X-B3-*` headers
 * (`multi` true); both read either form. `undefined` when the package cannot be loaded.
 * @param moduleId where to load it from; tests point it at a missing package.
 * @internal
 */
export function createB3Propagator(multi: boolean, moduleId: string = B3_PACKAGE): TextMapPropagator | undefined {
  const mod = load(moduleId);
  if (mod === null) return undefined;
  try {
    const encoding = multi ? mod.B3InjectEncoding.MULTI_HEADER : mod.B3InjectEncoding.SINGLE_HEADER;
    return new mod.B3Propagator({ injectEncoding: encoding });
  } catch {
    return undefined;
  }
}

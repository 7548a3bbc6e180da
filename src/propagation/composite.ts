/**
 * Builds the global propagator from `OTEL_PROPAGATORS`-style names. The names come from
 * `src/config`, which alone reads the environment.
 * @module
 */
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { describeError } from '../internal/safe-call.js';
import { tellOnce, warnOnce } from '../internal/diag.js';
import { createBaggagePropagator } from './baggage.js';
import { B3_PACKAGE, createB3Propagator } from './b3.js';
import { TraceContextPropagator } from './trace-context-propagator.js';

/** Options of {@link createPropagator}. @internal */
export interface CreatePropagatorOptions {
  /** How to load the B3 package (tests pass one that fails as a missing package does). */
  b3Require?: () => unknown;
}

/** Propagates nothing: `OTEL_PROPAGATORS=none`, or no usable name. */
class NoopPropagator implements TextMapPropagator {
  inject(): void {}
  extract(context: Context): Context {
    return context;
  }
  fields(): string[] {
    return [];
  }
}

/**
 * Runs several propagators in order: each extract sees the context of the previous one; a
 * propagator that throws is skipped (reported once) so the others still run.
 */
class CompositeTextMapPropagator implements TextMapPropagator {
  private readonly _fields: string[];

  constructor(private readonly _propagators: readonly TextMapPropagator[]) {
    const fields = new Set<string>();
    for (const p of _propagators) {
      try {
        for (const f of p.fields()) fields.add(f);
      } catch {
        // fields() is advisory; a broken one only loses its names here
      }
    }
    this._fields = [...fields];
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    for (let i = 0; i < this._propagators.length; i++) {
      try {
        this._propagators[i]!.inject(context, carrier, setter);
      } catch (err) {
        warnOnce('propagation.inject', `a propagator threw on inject and was skipped (${describeError(err)}).`);
      }
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let result = context;
    for (let i = 0; i < this._propagators.length; i++) {
      try {
        result = this._propagators[i]!.extract(result, carrier, getter);
      } catch (err) {
        warnOnce('propagation.extract', `a propagator threw on extract and was skipped (${describeError(err)}).`);
      }
    }
    return result;
  }

  fields(): string[] {
    return this._fields.slice();
  }
}

/** Shortens a user-supplied name for a log line. */
function quoted(name: string): string {
  return JSON.stringify(name.length > 64 ? name.slice(0, 64) + '…' : name);
}

/**
 * Creates the propagator for a list of `OTEL_PROPAGATORS` names, in order:
 * `tracecontext` (our {@link TraceContextPropagator}), `baggage` (W3C Baggage), `b3` (single
 * `b3` header) and `b3multi` (`X-B3-*` headers) through the optional peer
 * `@opentelemetry/propagator-b3`, and `none`. Names are trimmed and lowercased; duplicates are
 * ignored; unknown names, and B3 when the package is not installed, are skipped with one `diag`
 * warning each. `none` anywhere means no propagation (other names are then ignored, with a
 * warning). An empty list propagates nothing: the default is the caller's choice (config passes
 * `['tracecontext', 'baggage']`). Never throws.
 * @internal
 */
export function createPropagator(names: readonly string[], options: CreatePropagatorOptions = {}): TextMapPropagator {
  const wanted: string[] = [];
  if (Array.isArray(names)) {
    for (const raw of names) {
      const name = String(raw).trim().toLowerCase();
      if (name !== '' && !wanted.includes(name)) wanted.push(name);
    }
  }
  if (wanted.includes('none')) {
    if (wanted.length > 1) {
      tellOnce(
        'propagation.none-with-others',
        `OTEL_PROPAGATORS contains "none" and other propagators; "none" wins and nothing is propagated. Remove "none" to propagate ${wanted.filter((n) => n !== 'none').map(quoted).join(', ')}.`,
      );
    }
    return new NoopPropagator();
  }
  const propagators: TextMapPropagator[] = [];
  for (const name of wanted) {
    switch (name) {
      case 'tracecontext':
        propagators.push(new TraceContextPropagator());
        break;
      case 'baggage':
        propagators.push(createBaggagePropagator());
        break;
      case 'b3':
      case 'b3multi': {
        const b3 = createB3Propagator(name === 'b3multi', options.b3Require);
        if (b3 === undefined) {
          tellOnce(
            `propagation.b3-missing.${name}`,
            `propagator "${name}" needs the optional package ${B3_PACKAGE}, which cannot be loaded; install it (npm install ${B3_PACKAGE}) to propagate B3 headers, and in a bundle built by esbuild or ncc from ES modules, pass a B3 propagator in the \`propagators\` option instead (see "Bundling and serverless" in tracelight's README). Skipping "${name}".`,
          );
        } else {
          propagators.push(b3);
        }
        break;
      }
      default:
        tellOnce(
          `propagation.unknown.${name}`,
          `unknown propagator ${quoted(name)} in OTEL_PROPAGATORS was ignored; use tracecontext, baggage, b3, b3multi or none.`,
        );
    }
  }
  if (propagators.length === 0) {
    if (wanted.length === 0) return new NoopPropagator();
    // Every name was unknown or unavailable: the default, as a misspelling should not stop propagation.
    tellOnce('propagation.fallback', `no usable propagator in ${wanted.map(quoted).join(', ')}; using the default, tracecontext and baggage.`);
    return new CompositeTextMapPropagator([new TraceContextPropagator(), createBaggagePropagator()]);
  }
  if (propagators.length === 1) return propagators[0]!;
  return new CompositeTextMapPropagator(propagators);
}

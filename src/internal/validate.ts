import { tellOnce } from './diag.js';

/**
 * The one check for numeric settings, wherever they come from (init() options, `OTEL_*`
 * variables, the options of an exporter or processor constructed directly): `value` when it is
 * a finite number of at least `min` (more than `min` with `exclusive`), else `fallback`.
 * @internal
 */
export function validNumber(value: unknown, fallback: number, min: number, exclusive = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return value > min || (!exclusive && value === min) ? value : fallback;
}

/**
 * {@link validNumber} for a named setting: a given value that fails the check is reported once
 * through `diag` with what was used instead. `undefined` (not given) is not reported.
 * @internal
 */
export function checkedNumber(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const checked = validNumber(value, Number.NaN, min);
  if (checked === checked) return checked;
  tellOnce(`config:${name}`, `${name}=${String(value)} is not a number >= ${min}; using ${fallback}.`);
  return fallback;
}

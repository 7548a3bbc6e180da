/**
 * Safe descriptions of thrown values: anything can be thrown (a null-prototype object, an object
 * whose `toString` throws, a Proxy whose every trap throws), and recording it must neither throw
 * nor leave the span without its ERROR status.
 * @internal
 */
import type { Exception } from '@opentelemetry/api';

/** What a span records for a thrown value. @internal */
export interface ThrownDescription {
  /** The status description: the error's message, else its string form, else a fixed text. */
  readonly message: string;
  /** A plain copy of the fields `recordException` reads, or the message for a primitive. */
  readonly exception: Exception;
}

/** Reads `obj[key]`, or `undefined` when a getter or Proxy trap throws. */
function read(obj: object, key: string): unknown {
  try {
    return (obj as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** `String(value)`, or `undefined` when that throws or does not give a string. */
function stringOf(value: unknown): string | undefined {
  try {
    const s = String(value);
    return typeof s === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Describes a thrown value without ever throwing: own reads go through try/catch one field at a
 * time, so one throwing getter costs that field only. Only string and number fields are copied,
 * since a span records strings and an object field could throw again when converted later.
 * @internal
 */
export function describeThrown(err: unknown): ThrownDescription {
  if ((typeof err !== 'object' && typeof err !== 'function') || err === null) {
    const message = stringOf(err) ?? `thrown value of type ${typeof err}`;
    return { message, exception: message };
  }
  const exception: { name?: string; message?: string; code?: string | number; stack?: string } = {};
  const name = read(err, 'name');
  const message = read(err, 'message');
  const code = read(err, 'code');
  const stack = read(err, 'stack');
  if (typeof name === 'string' && name !== '') exception.name = name;
  if (typeof message === 'string') exception.message = message;
  if ((typeof code === 'string' && code !== '') || typeof code === 'number') exception.code = code;
  if (typeof stack === 'string') exception.stack = stack;
  const described = typeof message === 'string' ? message : (stringOf(err) ?? `thrown value of type ${typeof err} (not printable)`);
  // recordException needs a type or a message to record anything.
  if (exception.message === undefined) exception.message = described;
  return { message: described, exception: exception as Exception };
}

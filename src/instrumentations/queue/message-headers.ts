import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

/**
 * Longest header value decoded from bytes. Brokers deliver some header values as Buffers
 * (amqplib); tracelight's propagators accept nothing longer (the `tracestate` input cap), so a
 * larger one is ignored undecoded.
 */
const MAX_DECODED_BYTES = 32_768;

/** A header value as a string (or strings), or `undefined` for anything a propagator cannot read. */
function headerValue(value: unknown): string | string[] | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return value.length <= MAX_DECODED_BYTES ? Buffer.from(value.buffer, value.byteOffset, value.length).toString('utf8') : undefined;
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (let i = 0; i < value.length && i < 64; i++) {
      const one = headerValue(value[i]);
      if (typeof one === 'string') out.push(one);
    }
    return out.length === 0 ? undefined : out;
  }
  return undefined;
}

/** Headers with a `get`/`keys` interface of their own (NATS `MsgHdrs`, a `Map`). */
interface HeadersLike {
  get(key: string): unknown;
  keys(): Iterable<string>;
}

function isHeadersLike(carrier: object): carrier is HeadersLike {
  return typeof (carrier as HeadersLike).get === 'function' && typeof (carrier as HeadersLike).keys === 'function';
}

/**
 * Reads trace headers from a message's headers, whatever shape the client gives them in: a plain
 * object (any key case; string, Buffer or array values), NATS `MsgHdrs` or a `Map`. Never throws:
 * a getter, a Proxy or a value it cannot read gives `undefined`, so the consumer starts a new trace.
 * @internal
 */
export const messageHeaderGetter: TextMapGetter<unknown> = {
  get(carrier, key) {
    try {
      if (carrier === null || typeof carrier !== 'object') return undefined;
      if (isHeadersLike(carrier)) {
        const value = headerValue(carrier.get(key));
        return value === '' ? undefined : value; // MsgHdrs answers '' for a missing key
      }
      const record = carrier as Record<string, unknown>;
      const exact = record[key];
      if (exact !== undefined) return headerValue(exact);
      for (const k of Object.keys(record)) {
        if (k.length === key.length && k.toLowerCase() === key) return headerValue(record[k]);
      }
      return undefined;
    } catch {
      return undefined;
    }
  },
  keys(carrier) {
    try {
      if (carrier === null || typeof carrier !== 'object') return [];
      if (isHeadersLike(carrier)) return Array.from(carrier.keys()).filter((k) => typeof k === 'string');
      return Object.keys(carrier);
    } catch {
      return [];
    }
  },
};

/** Writes into a plain object. @internal */
export const recordSetter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

import { warnOnce } from '../../internal/diag.js';
import { describeError } from '../../internal/safe-call.js';
import { startConsumerSpan, type TraceConsumeOptions } from './consume.js';
import { tracePublish } from './publish.js';
import { runInSpan } from './run-in-span.js';

/** The parts of NATS `MsgHdrs` the wrapper uses (`@nats-io/transport-node` 3.x, `nats` 2.x). */
export interface NatsHeaders {
  /** Whether `key` is set. */
  has(key: string): boolean;
  /** Sets `key` to `value`. */
  set(key: string, value: string): void;
  /** Adds a value to `key`. */
  append(key: string, value: string): void;
  /** The keys set. */
  keys(): string[];
  /** Every value of `key`. */
  values(key: string): string[];
}

/** Options of {@link traceNats}. */
export interface TraceNatsOptions extends TraceConsumeOptions {
  /**
   * The `headers` function of your NATS client (`import { headers } from '@nats-io/transport-node'`,
   * or from `nats`): headers must be made by the client's own code, and tracelight never loads
   * the client itself.
   */
  headers: () => NatsHeaders;
}

type AnyFunction = (...args: unknown[]) => unknown;

/** Marks a wrapped connection, so wrapping twice changes nothing. */
const WRAPPED = Symbol.for('tracelight.queue.nats-connection');

function byteLength(payload: unknown): number | undefined {
  if (typeof payload === 'string') return Buffer.byteLength(payload);
  if (payload instanceof Uint8Array) return payload.length;
  return undefined;
}

/** New headers holding the caller's own (which win) and the trace context. */
function mergedHeaders(make: () => NatsHeaders, own: unknown, trace: Record<string, string>): NatsHeaders {
  const out = make();
  if (own !== null && typeof own === 'object' && typeof (own as NatsHeaders).keys === 'function') {
    const theirs = own as NatsHeaders;
    for (const key of theirs.keys()) for (const value of theirs.values(key)) out.append(key, value);
  }
  for (const key of Object.keys(trace)) if (!out.has(key)) out.set(key, trace[key]!);
  return out;
}

function withHeaders(options: unknown, make: () => NatsHeaders, trace: Record<string, string>): object {
  const opts = options !== null && typeof options === 'object' ? options : {};
  return { ...opts, headers: mergedHeaders(make, (opts as { headers?: unknown }).headers, trace) };
}

/**
 * Makes `msg.respond()` of a traced message publish its reply in a PRODUCER span, with the trace
 * context in the reply's headers (the client sends replies through its protocol handler, not
 * through the connection's `publish`).
 */
function traceRespond(msg: object, make: () => NatsHeaders): void {
  try {
    const m = msg as { respond?: unknown; reply?: unknown };
    const respond = m.respond;
    if (typeof respond !== 'function') return;
    Object.defineProperty(msg, 'respond', {
      configurable: true,
      writable: true,
      value: function tracedRespond(this: unknown, payload?: unknown, opts?: unknown, ...rest: unknown[]) {
        const reply = m.reply;
        if (typeof reply !== 'string' || reply === '') return (respond as AnyFunction).call(this, payload, opts, ...rest);
        return tracePublish({ system: 'nats', destination: reply, bodySize: byteLength(payload) }, (headers) =>
          (respond as AnyFunction).call(this, payload, withHeaders(opts, make, headers), ...rest),
        );
      },
    });
  } catch {
    // a frozen or exotic message: its reply goes out untraced
  }
}

/**
 * Traces a NATS connection (`@nats-io/transport-node` 3.x, `nats` 2.x) and returns it: `publish`
 * and `request` run in PRODUCER spans (`publish orders`, `request prices`, the request's span
 * lasting until the reply) and carry the trace context in the message headers (your own headers
 * are kept, never mutated); `subscribe` callbacks run in CONSUMER spans continuing the
 * publisher's trace, and `msg.respond()` inside them sends the context on. Subscriptions read
 * with `for await` are not callbacks: wrap the loop body in {@link traceConsume}. Return values,
 * errors and every other method are untouched.
 *
 * @example
 * ```ts
 * import { connect, headers } from '@nats-io/transport-node';
 * const nc = traceNats(await connect({ servers: '127.0.0.1:4222' }), { headers });
 * ```
 */
export function traceNats<C extends object>(connection: C, options: TraceNatsOptions): C {
  try {
    if (connection === null || typeof connection !== 'object') return connection;
    const nc = connection as unknown as Record<PropertyKey, unknown>;
    if (nc[WRAPPED] === true) return connection;
    const make = options?.headers;
    const publish = nc['publish'];
    const request = nc['request'];
    const subscribe = nc['subscribe'];
    if (typeof make !== 'function' || typeof publish !== 'function' || typeof subscribe !== 'function') {
      warnOnce('queue.nats.shape', 'traceNats() needs a NATS connection and `{ headers }` (the `headers` function of your NATS client); the connection is left untraced.');
      return connection;
    }
    const newTrace = options.newTrace === true;

    nc['publish'] = function tracedPublish(this: unknown, subject: unknown, payload?: unknown, opts?: unknown, ...rest: unknown[]) {
      if (typeof subject !== 'string') return (publish as AnyFunction).call(this, subject, payload, opts, ...rest);
      return tracePublish({ system: 'nats', destination: subject, bodySize: byteLength(payload) }, (headers) =>
        (publish as AnyFunction).call(this, subject, payload, withHeaders(opts, make, headers), ...rest),
      );
    };
    if (typeof request === 'function') {
      nc['request'] = function tracedRequest(this: unknown, subject: unknown, payload?: unknown, opts?: unknown, ...rest: unknown[]) {
        if (typeof subject !== 'string') return (request as AnyFunction).call(this, subject, payload, opts, ...rest);
        return tracePublish({ system: 'nats', destination: subject, operation: 'request', bodySize: byteLength(payload) }, (headers) =>
          // The client's own default (`{ timeout: 1000 }`) applies only when no options are given.
          (request as AnyFunction).call(this, subject, payload, withHeaders(opts ?? { timeout: 1000 }, make, headers), ...rest),
        );
      };
    }
    nc['subscribe'] = function tracedSubscribe(this: unknown, subject: unknown, opts?: unknown, ...rest: unknown[]) {
      const callback = (opts as { callback?: unknown } | undefined)?.callback;
      if (typeof subject !== 'string' || typeof callback !== 'function') return (subscribe as AnyFunction).call(this, subject, opts, ...rest);
      const traced = function (this: unknown, err: unknown, msg: unknown) {
        if (err || msg === null || typeof msg !== 'object') return (callback as AnyFunction).call(this, err, msg);
        const m = msg as { headers?: unknown; data?: unknown };
        let started;
        try {
          started = startConsumerSpan({ system: 'nats', destination: subject, bodySize: byteLength(m.data) }, m.headers, { newTrace });
        } catch {
          started = undefined;
        }
        if (started === undefined) return (callback as AnyFunction).call(this, err, msg);
        traceRespond(msg, make);
        return runInSpan(started.span, started.ctx, () => (callback as AnyFunction).call(this, err, msg));
      };
      return (subscribe as AnyFunction).call(this, subject, { ...(opts as object), callback: traced }, ...rest);
    };
    Object.defineProperty(nc, WRAPPED, { value: true });
  } catch (err) {
    warnOnce('queue.nats.wrap', `tracing a NATS connection failed (${describeError(err)}); it works as before, untraced.`);
  }
  return connection;
}

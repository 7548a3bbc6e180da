import type { IncomingMessage, ServerResponse } from 'node:http';
import { installEmitterContext } from './emitter-context.js';
import type { HttpInstrumentationOptions } from './options.js';
import { resolveHttpOptions } from './options.js';
import { isHandled, onResponseEnd, runInServerSpan } from './server.js';

/**
 * Wraps a request listener so that every request it handles gets a SERVER span that continues
 * the caller's trace (from `traceparent`, through the global propagator) and is active for the
 * whole handler, also after `await`, in timers and in `req`/`res` event listeners. The span ends
 * when the response finishes, or with `error.type` when the connection closes first.
 *
 * Use it when you do not want global instrumentation, or for one server only. When global
 * instrumentation (`enableHttpInstrumentation`, or `init`) already traced the request, the
 * wrapper just calls `listener`: one span per request, never two, and the global options apply.
 * The returned function keeps `this`, arguments and the return value of `listener`.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { traceHandler } from 'tracelight/http';
 * http.createServer(traceHandler((req, res) => res.end('ok'), { ignoreIncoming: ['/healthz'] }));
 * ```
 */
export function traceHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse>(
  listener: (req: Req, res: Res) => unknown,
  options?: HttpInstrumentationOptions,
): (req: Req, res: Res) => unknown {
  const resolved = resolveHttpOptions(options);
  installEmitterContext(onResponseEnd);
  return function tracedRequestListener(this: unknown, req: Req, res: Res): unknown {
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as unknown[];
    if (isHandled(req)) return listener.apply(this as never, args as [Req, Res]);
    return runInServerSpan(resolved, req, res, listener as never, this, args);
  };
}

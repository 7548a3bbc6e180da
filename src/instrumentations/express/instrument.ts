import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorOnce, warnOnce } from '../../internal/diag.js';
import { describeError } from '../../internal/safe-call.js';
import { setServerInspector } from '../http/server-patch.js';
import { appMajor, appRouter, isExpressApp, layerShape } from './express-assumptions.js';
import type { ExpressApp, LayerShape } from './express-assumptions.js';
import { createRequestState, endOpenLayerSpans, EXPRESS_STATE, patchLayerPrototype } from './layer-patch.js';
import type { ExpressRequestState } from './layer-patch.js';
import { resolveExpressOptions } from './options.js';
import type { ExpressInstrumentationOptions, ResolvedExpressOptions } from './options.js';

/** What an instrumented app carries (a registered symbol: every copy of tracelight sees it). */
const INSTRUMENTED = Symbol.for('tracelight.express.app.v1');

interface AppRecord {
  options: ResolvedExpressOptions;
  /** Whether the options came from `instrumentExpress` (the automatic mode does not replace them). */
  explicit: boolean;
  readonly major: 4 | 5;
  /** The layer API, once a first request found it; null when it is not one we know. */
  shape: LayerShape | null | undefined;
}

/**
 * Traces an Express 4 or 5 app: the request's HTTP SERVER span (from `tracelight/http`, never a
 * second one) gets `http.route`, the full route template that matched, mount paths of every
 * router and sub-app included (`/orgs/:org/repos/:repo`, never the raw path), and is renamed
 * `{METHOD} {route}`; a request no route matched keeps the method-only name. Errors passed to
 * `next(err)`, thrown by a handler or (Express 5) rejected by an async handler are recorded on
 * the SERVER span as `exception` events; its status follows the response (ERROR for 5xx).
 * Express's own handling, status codes and bodies are unchanged.
 *
 * Call it once, right after `express()`, before or after the routes are registered.
 * `init({ instrumentations: { express: true } })` and `tracelight/register` do it for every
 * Express app served by an `http`/`https` server, without this call. Anything that is not an
 * Express app it knows is left as it is, with one `diag` warning. Returns `app`. Never throws.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { instrumentExpress } from 'tracelight/express';
 * const app = instrumentExpress(express());
 * ```
 */
export function instrumentExpress<App>(app: App, options?: ExpressInstrumentationOptions): App {
  try {
    if (!isExpressApp(app)) {
      warnOnce('express.not-an-app', 'instrumentExpress() was given something that is not an Express app (no handle, set, use and router); it is left as it is and its requests keep the method-only span name.');
      return app;
    }
    attach(app, resolveExpressOptions(options), true);
  } catch (err) {
    errorOnce('express.instrument', `could not instrument an Express app (${describeError(err)}); it runs untraced by route.`);
  }
  return app;
}

function attach(app: ExpressApp, options: ResolvedExpressOptions, explicit: boolean): void {
  const holder = app as unknown as { [INSTRUMENTED]?: AppRecord };
  const existing = holder[INSTRUMENTED];
  if (existing !== undefined) {
    if (explicit || !existing.explicit) {
      existing.options = options;
      existing.explicit ||= explicit;
    }
    return;
  }
  const record: AppRecord = { options, explicit, major: appMajor(app), shape: undefined };
  const original = app.handle;
  holder[INSTRUMENTED] = record;
  app.handle = function handle(this: unknown, req: unknown, res: unknown): unknown {
    if (req !== null && typeof req === 'object' && (req as { [EXPRESS_STATE]?: unknown })[EXPRESS_STATE] === undefined) {
      startRequest(app, record, req as IncomingMessage, res as ServerResponse);
    }
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as [unknown, unknown, unknown]);
  };
}

/** Gives a request entering an instrumented app its state (finding the layer API on the first). */
function startRequest(app: ExpressApp, record: AppRecord, req: IncomingMessage, res: ServerResponse): void {
  try {
    let shape = record.shape;
    if (shape === undefined) {
      const router = appRouter(app);
      if (router === undefined) return; // no route yet: nothing to name
      const found = layerShape(router);
      if (found === undefined) return;
      if (found === 'unknown' || found.major !== record.major) {
        record.shape = null;
        warnOnce('express.unknown.version', 'an Express app has a router tracelight does not know (not Express 4 or 5, or a patched router); it works as before and its requests keep the method-only span name.');
        return;
      }
      patchLayerPrototype(found);
      record.shape = shape = found;
    }
    if (shape === null) return;
    const state: ExpressRequestState = createRequestState(record.options, shape.major);
    (req as { [EXPRESS_STATE]?: ExpressRequestState })[EXPRESS_STATE] = state;
    if (record.options.spans !== 0 && typeof res?.once === 'function') res.once('close', () => endOpenLayerSpans(state));
  } catch (err) {
    errorOnce('express.request', `could not follow a request into Express (${describeError(err)}); it keeps the method-only span name.`);
  }
}

let enabledOptions: ResolvedExpressOptions | undefined;

/**
 * Instruments every Express app served by an `http`/`https` server, as {@link instrumentExpress}
 * does, with no import-order rule and no loader flag: an app is recognised the first time its
 * server hands it a request (the server's request listener is the app). Needs the http
 * instrumentation (`init()` turns it on with `express`); an app wrapped in another listener
 * still needs `instrumentExpress(app)`. Options given to `instrumentExpress` for an app win.
 * Returns `disable()`, which stops recognising new apps. Never throws.
 *
 * @example
 * ```ts
 * import { enableHttpInstrumentation } from 'tracelight/http';
 * import { enableExpressInstrumentation } from 'tracelight/express';
 * enableHttpInstrumentation();
 * enableExpressInstrumentation({ spans: 'handlers' });
 * ```
 */
export function enableExpressInstrumentation(options?: ExpressInstrumentationOptions): () => void {
  try {
    const resolved = resolveExpressOptions(options);
    enabledOptions = resolved;
    setServerInspector(inspectServer);
    return function disableExpressInstrumentation(): void {
      if (enabledOptions !== resolved) return;
      enabledOptions = undefined;
      setServerInspector(undefined);
    };
  } catch (err) {
    errorOnce('express.enable', `could not enable the Express instrumentation (${describeError(err)}).`);
    return function disableExpressInstrumentation(): void {};
  }
}

function inspectServer(server: object): void {
  const options = enabledOptions;
  if (options === undefined) return;
  const listeners = (server as { listeners?: (event: string) => unknown[] }).listeners;
  if (typeof listeners !== 'function') return;
  for (const listener of listeners.call(server, 'request')) {
    if (isExpressApp(listener)) attach(listener, options, false);
  }
}

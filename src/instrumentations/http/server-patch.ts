/**
 * Global server instrumentation: wraps `emit` on the shared `http.Server` and `https.Server`
 * prototypes. A prototype is shared by every importer (ESM or CommonJS, whichever loaded first)
 * and by servers created before this ran, so there is no import-order trap and no loader flag.
 *
 * Why not only `diagnostics_channel`: `http.server.request.start` is published just before the
 * 'request' event, but a subscriber cannot make a span active for the listener that runs next
 * (the OpenTelemetry context API only offers `context.with(ctx, fn)`). Wrapping `emit` can.
 * @internal
 */
import http from 'node:http';
import https from 'node:https';
import { warnOnce } from '../../internal/diag.js';
import { anotherServerInstrumentation, reportSteppingAside } from './coexistence.js';
import { installEmitterContext } from './emitter-context.js';
import type { ResolvedHttpOptions } from './options.js';
import { isHandled, onResponseEnd, runInServerSpan } from './server.js';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

interface Patch {
  proto: { emit: Emit };
  original: Emit;
  wrapper: Emit;
  /** Whether the prototype had `emit` as an own property before (else it was inherited). */
  own: boolean;
}

let patches: Patch[] = [];
let current: ResolvedHttpOptions | undefined;

/** Looks at a server once, at its first request (how `tracelight/express` finds Express apps). */
export type ServerInspector = (server: object) => void;

let inspector: ServerInspector | undefined;
/** Marks a server {@link inspector} has seen (module-private: each copy of tracelight looks once). */
const INSPECTED = Symbol('tracelight.http.inspected');

/**
 * Sets (or, with undefined, removes) the function called once per server at its first traced
 * request, before its listener runs. Costs one property load per request while set. @internal
 */
export function setServerInspector(fn: ServerInspector | undefined): void {
  inspector = fn;
}

function inspectServer(server: object): void {
  (server as { [INSPECTED]?: true })[INSPECTED] = true;
  try {
    inspector!(server);
  } catch (err) {
    warnOnce('http.server.inspect', `could not look at a server's request listeners (${String(err)}); its requests are traced as plain http.`);
  }
}

/** Events that start handling a request: 'request', and the two sent instead for `Expect:` headers. */
function isRequestEvent(event: string | symbol): boolean {
  return event === 'request' || event === 'checkContinue' || event === 'checkExpectation';
}

function makeWrapper(original: Emit): Emit {
  // `arguments` rather than rest parameters: no array is allocated for the many other events.
  return function emit(this: unknown, event: string | symbol, req?: unknown, res?: unknown): boolean {
    const options = current;
    if (options === undefined || !isRequestEvent(event) || req === undefined || res === undefined) {
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
    }
    if (inspector !== undefined && this !== null && typeof this === 'object' && (this as { [INSPECTED]?: true })[INSPECTED] !== true) {
      inspectServer(this);
    }
    // A 'request' re-emitted by a 'checkContinue' listener already has its span, active here.
    if (isHandled(req as http.IncomingMessage)) {
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
    }
    if (anotherServerInstrumentation(original)) {
      reportSteppingAside('server');
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
    }
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as unknown[];
    return runInServerSpan(options, req as http.IncomingMessage, res as http.ServerResponse, original as never, this, args) as boolean;
  };
}

function patch(proto: { emit: Emit }): void {
  const original = proto.emit;
  if (typeof original !== 'function') {
    warnOnce('http.server.patch', 'http servers cannot be instrumented here (Server.prototype.emit is missing); incoming requests are not traced.');
    return;
  }
  const own = Object.prototype.hasOwnProperty.call(proto, 'emit');
  const wrapper = makeWrapper(original);
  proto.emit = wrapper;
  patches.push({ proto, original, wrapper, own });
}

/** Starts tracing incoming requests of every http and https server, with `options`. @internal */
export function enableServerPatch(options: ResolvedHttpOptions): void {
  current = options;
  installEmitterContext(onResponseEnd);
  if (patches.length > 0) return;
  patch(http.Server.prototype as unknown as { emit: Emit });
  patch(https.Server.prototype as unknown as { emit: Emit });
}

/**
 * Stops tracing incoming requests. Restores the prototypes when our wrapper is still the outermost
 * one; when someone wrapped on top of it, ours stays in place but passes through.
 * @internal
 */
export function disableServerPatch(): void {
  current = undefined;
  const keep: Patch[] = [];
  for (const p of patches) {
    if (p.proto.emit !== p.wrapper) {
      keep.push(p);
      continue;
    }
    if (p.own) p.proto.emit = p.original;
    else delete (p.proto as { emit?: Emit }).emit;
  }
  patches = keep;
}

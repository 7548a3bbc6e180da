/**
 * Follows a request through an instrumented Express app: which router it is in, under which
 * mount templates, which route it reached, which errors it met. One wrapper on each of the two
 * methods of the shared `Layer.prototype` of an Express copy (`handle_request`/`handle_error`
 * on Express 4, `handleRequest`/`handleError` on Express 5) sees every layer a request enters,
 * registered before or after us, in every router, sub-app and route; requests of apps nobody
 * instrumented pass through after one property load.
 *
 * How the template is put together: each dispatch (a router's walk over its stack, a route's
 * over its handlers) hands all its layers one `next` function; we tag it with a frame holding
 * the template prefix of that dispatch. Entering a mount (a middleware or router registered with
 * `use`) leaves `pending` = prefix + its mount template for the dispatch it may start; a route
 * entry leaves the full route. The first layer seen with an untagged `next` belongs to a new
 * dispatch and takes `pending`. A dispatch is sequential, so the latest entry is its parent.
 * @internal
 */
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '../../internal/sdk-core.js';
import { errorOnce, warnOnce } from '../../internal/diag.js';
import { describeError } from '../../internal/safe-call.js';
import { getServerSpan, setHttpRoute } from '../http/route.js';
import type { IncomingMessage } from 'node:http';
import { express4Template, isRouterHandle, matchedPattern, templateFromMatch } from './express-assumptions.js';
import type { ExpressLayer, LayerShape } from './express-assumptions.js';
import type { ResolvedExpressOptions } from './options.js';
import { expressTracer } from './tracer.js';

type Next = (this: unknown, err?: unknown) => unknown;
type LayerMethod = (this: ExpressLayer, ...args: unknown[]) => unknown;

/** Per-request state, on `req` (a registered symbol: every copy of tracelight reads the same). */
export const EXPRESS_STATE = Symbol.for('tracelight.express.request.v1');
/** Marks a `Layer.prototype` we wrapped (registered: another copy of tracelight leaves it). */
const PATCHED = Symbol.for('tracelight.express.layerPatched.v1');
/** A dispatch's frame, on the `next` it passes to its layers. */
const FRAME = Symbol('tracelight.express.frame');

/** What a request of an instrumented app carries. @internal */
export interface ExpressRequestState {
  readonly options: ResolvedExpressOptions;
  readonly major: 4 | 5;
  /** Template prefix for the next dispatch that starts. */
  pending: string;
  /** Whether that dispatch is a route's handlers (then `pending` is the full route). */
  pendingRoute: boolean;
  /** The last error recorded (the same error passes many layers). */
  lastError: unknown;
  /** Set when the route cannot be known (an unexpected layer): no route for this request. */
  lost: boolean;
  /** Layer spans still open (only with `spans`), ended with the response at the latest. */
  open: Span[] | undefined;
  /**
   * The mount template of the middleware running now (not a router, not the root), offered as
   * the route in the context's `RPCMetadata` in case it answers (`app.use('/static', serve)`),
   * withdrawn when it calls `next`. A route entered later wins (`setHttpRoute`).
   */
  candidate: string | undefined;
}

interface Frame {
  readonly prefix: string;
  readonly route: boolean;
  readonly next: Next;
}

/** Creates the state for a request entering an instrumented app. @internal */
export function createRequestState(options: ResolvedExpressOptions, major: 4 | 5): ExpressRequestState {
  return { options, major, pending: '', pendingRoute: false, lastError: undefined, lost: false, open: undefined, candidate: undefined };
}

/** Wraps the two layer methods of `shape.proto`, once per prototype. Never throws. @internal */
export function patchLayerPrototype(shape: LayerShape): void {
  const proto = shape.proto as Record<string | symbol, unknown>;
  if (proto[PATCHED] === true) return;
  const request = proto[shape.requestMethod] as LayerMethod;
  const error = proto[shape.errorMethod] as LayerMethod;
  proto[shape.requestMethod] = wrapHandleRequest(request);
  proto[shape.errorMethod] = wrapHandleError(error);
  proto[PATCHED] = true;
}

function wrapHandleRequest(original: LayerMethod): LayerMethod {
  return function handleRequest(this: ExpressLayer, req: unknown, res: unknown, next: unknown): unknown {
    const state = req !== null && typeof req === 'object' ? (req as { [EXPRESS_STATE]?: ExpressRequestState })[EXPRESS_STATE] : undefined;
    // eslint-disable-next-line prefer-rest-params
    if (state === undefined || typeof next !== 'function') return original.apply(this, arguments as unknown as unknown[]);
    let passed: Next = next as Next;
    let span: Span | undefined;
    try {
      const frame = enter(this, req as IncomingMessage, state, next as Next);
      passed = frame.next;
      if (state.options.spans !== 0 && typeof this.handle === 'function' && (this.handle as Next).length <= 3) {
        span = startLayerSpan(this, state, frame);
      }
    } catch (err) {
      reportFailure(state, err);
    }
    if (span === undefined) return original.call(this, req, res, passed);
    return runInLayerSpan(original, this, span, state, [req, res], passed);
  };
}

function wrapHandleError(original: LayerMethod): LayerMethod {
  return function handleError(this: ExpressLayer, error: unknown, req: unknown, res: unknown, next: unknown): unknown {
    const state = req !== null && typeof req === 'object' ? (req as { [EXPRESS_STATE]?: ExpressRequestState })[EXPRESS_STATE] : undefined;
    // eslint-disable-next-line prefer-rest-params
    if (state === undefined || typeof next !== 'function') return original.apply(this, arguments as unknown as unknown[]);
    let passed: Next = next as Next;
    let span: Span | undefined;
    try {
      // An error that reached error handling without passing one of our `next` wrappers (e.g.
      // from `req.next(err)` or a param callback) is recorded here.
      recordError(req as IncomingMessage, state, error);
      const frame = enter(this, req as IncomingMessage, state, next as Next);
      passed = frame.next;
      if (state.options.spans === 2 && typeof this.handle === 'function' && (this.handle as Next).length === 4) {
        span = startLayerSpan(this, state, frame);
      }
    } catch (err) {
      reportFailure(state, err);
    }
    if (span === undefined) return original.call(this, error, req, res, passed);
    return runInLayerSpan(original, this, span, state, [error, req, res], passed);
  };
}

/**
 * Bookkeeping for a layer being entered: finds (or starts) its dispatch's frame, records the
 * route of a route entry, leaves the prefix of what a mount may start. Returns the frame.
 */
function enter(layer: ExpressLayer, req: IncomingMessage, state: ExpressRequestState, next: Next): Frame {
  let frame = (next as { [FRAME]?: Frame })[FRAME];
  if (frame === undefined) frame = startFrame(req, state, next);
  if (frame.route) return frame; // a handler inside a route
  const route = layer.route;
  if (route !== undefined && route !== null) {
    const piece = pathTemplate(route.path, layer, req, state, true);
    if (piece === undefined) {
      lose(state, 'route');
      return frame;
    }
    const full = joinTemplate(frame.prefix, piece);
    state.pending = full;
    state.pendingRoute = true;
    if (!state.lost) setRoute(req, full);
    return frame;
  }
  const piece = mountTemplate(layer, req, state);
  state.pendingRoute = false;
  if (piece === undefined) {
    lose(state, 'mount');
    state.pending = frame.prefix;
    return frame;
  }
  const template = joinTemplate(frame.prefix, piece);
  state.pending = template;
  if (template !== '/' && !state.lost && !isRouterHandle(layer.handle)) offerCandidate(state, template);
  return frame;
}

/** A new dispatch: its `next` gets a frame with the pending prefix, and a wrapper that sees errors. */
function startFrame(req: IncomingMessage, state: ExpressRequestState, next: Next): Frame {
  const original = next;
  const wrapped = function next(this: unknown, err?: unknown): unknown {
    if (state.candidate !== undefined) withdrawCandidate(state);
    if (err !== undefined && err !== null && err !== false && err !== 'route' && err !== 'router') recordError(req, state, err);
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as [unknown]);
  };
  const frame: Frame = { prefix: state.pending, route: state.pendingRoute, next: wrapped };
  (next as { [FRAME]?: Frame })[FRAME] = frame;
  (wrapped as { [FRAME]?: Frame })[FRAME] = frame;
  return frame;
}

/** The template of a mount (`use`): '' for the root, else the path it was registered with. */
function mountTemplate(layer: ExpressLayer, req: IncomingMessage, state: ExpressRequestState): string | undefined {
  if (state.major === 4) return express4Template(layer, false);
  if (layer.slash === true) return '';
  // Router before 2.3: no registered path on the layer, only its last match.
  if (!('rawPath' in layer)) return templateFromMatch(layer);
  return pathTemplate(layer.rawPath, layer, req, state, false);
}

/** A registered path as a template piece: a string as is, a RegExp's source, an array's matched element. */
function pathTemplate(path: unknown, layer: ExpressLayer, req: IncomingMessage, state: ExpressRequestState, isRoute: boolean): string | undefined {
  if (typeof path === 'string') return path === '/' ? '' : path;
  if (path instanceof RegExp) return path.source;
  if (Array.isArray(path)) {
    if (state.major === 4) return express4Template(layer, isRoute);
    const matched = matchedPattern(req);
    if (matched !== undefined && !Array.isArray(matched)) return pathTemplate(matched, layer, req, state, isRoute);
    if (!('rawPath' in layer)) {
      const rebuilt = templateFromMatch(layer);
      if (rebuilt !== undefined) return rebuilt;
    }
    return path.map((p) => pathTemplate(p, layer, req, state, isRoute) ?? '').join(',');
  }
  return undefined;
}

/** `/api` + `/users/:id`, with no doubled or trailing slash; the root is `/`. @internal */
export function joinTemplate(prefix: string, piece: string): string {
  if (piece.length === 0) return prefix.length === 0 ? '/' : prefix;
  if (prefix.length === 0 || prefix === '/') return piece[0] === '/' || piece[0] === '^' ? piece : `/${piece}`;
  if (prefix.endsWith('/') && piece[0] === '/') return prefix + piece.slice(1);
  return prefix + piece;
}

/**
 * Names the request's SERVER span: tracelight's own (`setHttpRoute`), else the one another HTTP
 * instrumentation put in the context's `RPCMetadata` (the official instrumentation-http names
 * its span from `route` when it ends).
 */
function setRoute(req: IncomingMessage, route: string): void {
  if (getServerSpan(req) !== undefined) {
    setHttpRoute(req, route);
    return;
  }
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = route;
}

function offerCandidate(state: ExpressRequestState, template: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type !== RPCType.HTTP) return;
  state.candidate = template;
  metadata.route = template;
}

function withdrawCandidate(state: ExpressRequestState): void {
  const candidate = state.candidate;
  state.candidate = undefined;
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP && metadata.route === candidate) metadata.route = undefined;
}

function serverSpanOf(req: IncomingMessage): Span | undefined {
  const span = getServerSpan(req);
  if (span !== undefined) return span;
  const metadata = getRPCMetadata(context.active());
  return metadata?.type === RPCType.HTTP ? metadata.span : undefined;
}

/** Records an error on the SERVER span, once per error object in a row. */
function recordError(req: IncomingMessage, state: ExpressRequestState, err: unknown): void {
  if (err === state.lastError) return;
  state.lastError = err;
  try {
    const span = serverSpanOf(req);
    if (span !== undefined) span.recordException(exceptionOf(err));
  } catch (e) {
    errorOnce('express.error', `could not record an error on a span (${describeError(e)}).`);
  }
}

function exceptionOf(err: unknown): Error | string {
  if (err instanceof Error) return err;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') return err as Error;
  return String(err);
}

function lose(state: ExpressRequestState, what: 'route' | 'mount'): void {
  state.lost = true;
  warnOnce(
    `express.unknown.${what}`,
    `an Express ${what === 'route' ? 'route' : 'mount path'} has a shape tracelight does not know (a patched router, or an Express or router version it was not tested with); those requests keep the method-only span name.`,
  );
}

function reportFailure(state: ExpressRequestState, err: unknown): void {
  state.lost = true;
  errorOnce('express.layer', `could not follow a request through Express (${describeError(err)}); it keeps the method-only span name.`);
}

// ---- optional layer spans ----

function startLayerSpan(layer: ExpressLayer, state: ExpressRequestState, frame: Frame): Span | undefined {
  // The official instrumentation-express wrapped this handler (shimmer's mark): its span is there.
  if ((layer.handle as { __wrapped?: unknown }).__wrapped === true) return undefined;
  const spans = state.options.spans;
  let name: string;
  let type: string;
  if (frame.route) {
    name = `request handler - ${frame.prefix}`;
    type = 'request_handler';
  } else if (spans !== 2 || layer.route !== undefined) {
    return undefined; // a route entry: its handlers get the spans
  } else if (isRouterHandle(layer.handle)) {
    name = `router - ${state.pending}`;
    type = 'router';
  } else {
    name = `middleware - ${typeof layer.name === 'string' && layer.name.length > 0 ? layer.name : '<anonymous>'}`;
    type = 'middleware';
  }
  const attributes: Record<string, string> = { 'express.type': type };
  if (typeof layer.name === 'string') attributes['express.name'] = layer.name;
  if (frame.route) attributes['http.route'] = frame.prefix;
  return expressTracer().startSpan(name, { attributes });
}

function runInLayerSpan(original: LayerMethod, layer: ExpressLayer, span: Span, state: ExpressRequestState, args: unknown[], passed: Next): unknown {
  (state.open ??= []).push(span);
  let ended = false;
  const spanNext = function next(this: unknown, err?: unknown): unknown {
    if (!ended) {
      ended = true;
      endLayerSpan(span, err);
    }
    // eslint-disable-next-line prefer-rest-params
    return passed.apply(this, arguments as unknown as [unknown]);
  };
  args.push(spanNext);
  return context.with(trace.setSpan(context.active(), span), applyLayer, undefined, original, layer, args);
}

function applyLayer(original: LayerMethod, layer: ExpressLayer, args: unknown[]): unknown {
  return original.apply(layer, args);
}

function endLayerSpan(span: Span, err: unknown): void {
  try {
    if (err !== undefined && err !== null && err !== false && err !== 'route' && err !== 'router') {
      span.recordException(exceptionOf(err));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  } catch (e) {
    errorOnce('express.span.end', `could not end an Express layer span (${describeError(e)}).`);
  }
}

/** Ends the layer spans still open when the response is done (handlers that answered). @internal */
export function endOpenLayerSpans(state: ExpressRequestState): void {
  const open = state.open;
  if (open === undefined) return;
  state.open = undefined;
  for (const span of open) {
    try {
      if (span.isRecording()) span.end();
    } catch {
      // already ended elsewhere
    }
  }
}

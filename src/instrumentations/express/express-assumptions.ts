/**
 * Every assumption the Express instrumentation makes about Express and its router, in one place,
 * each with a canary test (test/express/assumptions.test.ts, against real Express 4 and 5). Only
 * this module reads Express internals by name; when a shape is not what it expects, the caller
 * gets `undefined` and leaves the app alone (method-only span name, one `diag` warning).
 *
 * - An app is the function `express()` returns: it has `handle(req, res, next)`, `set`, `use`,
 *   and its router in `_router` (Express 4, created on the first route: `lazyrouter`) or
 *   `router` (Express 5; Express 4 has a `router` getter that throws, never read there).
 * - A router keeps its layers in `stack`; every layer of one Express copy (mounted middleware,
 *   routers, route entries and the handlers inside a route) shares one `Layer.prototype` with
 *   `handle_request(req, res, next)`/`handle_error(err, req, res, next)` (Express 4) or
 *   `handleRequest`/`handleError` (Express 5, `router` 2.x).
 * - Each dispatch (one router's walk over its stack, or one route's over its handlers) passes
 *   the same `next` function to every layer it calls, and a new dispatch starts only from inside
 *   a layer of the enclosing one.
 * - A route entry has `layer.route.path` (the path it was registered with); the handlers inside a
 *   route have no `route`.
 * - The path a middleware or router was mounted at: Express 4 keeps only the compiled
 *   `layer.regexp` (path-to-regexp 0.1: string paths end with `(?=\/|$)`), its `keys` (one per
 *   capturing group, in order) and the matched `layer.path`; Express 5 keeps `layer.rawPath`
 *   (router 2.3+), and the element of an array path that matched in `req[matchedRoute]`, a
 *   private symbol whose description is `router.tracing.matchedRoute`. Router before 2.3 (Express
 *   5.0 to 5.2 installs may have 2.2) has no `rawPath`: it leaves the last match on the layer
 *   (`layer.path`, `layer.params`), read at once when the layer is entered.
 * @internal
 */

/** An Express app, as far as we rely on it. @internal */
export interface ExpressApp {
  (req: unknown, res: unknown, next?: unknown): unknown;
  handle: (this: unknown, req: unknown, res: unknown, callback?: unknown) => unknown;
}

/** A router layer, as far as we rely on it. @internal */
export interface ExpressLayer {
  handle?: unknown;
  name?: unknown;
  route?: { path?: unknown } | undefined;
  /** Express 4: compiled path, its keys, the matched part. */
  regexp?: RegExp & { fast_slash?: boolean; fast_star?: boolean };
  keys?: Array<{ name: string | number; optional?: boolean }>;
  path?: unknown;
  /** Express 5 (router 2.3+): the path as registered. */
  rawPath?: unknown;
  /** Express 4, and Express 5 with router before 2.3: the values the last match found. */
  params?: unknown;
  slash?: boolean;
}

/** Which of the two layer APIs a `Layer.prototype` has. @internal */
export interface LayerShape {
  readonly major: 4 | 5;
  readonly proto: Record<string, unknown>;
  readonly requestMethod: 'handle_request' | 'handleRequest';
  readonly errorMethod: 'handle_error' | 'handleError';
}

/** Whether `value` looks like the function `express()` returns. @internal */
export function isExpressApp(value: unknown): value is ExpressApp {
  if (typeof value !== 'function') return false;
  const app = value as unknown as Record<string, unknown>;
  return typeof app['handle'] === 'function' && typeof app['set'] === 'function' && typeof app['use'] === 'function' &&
    (typeof app['lazyrouter'] === 'function' || '_router' in app || 'router' in app);
}

/** The major the app's own API says (Express 4 has `lazyrouter`), before any route exists. @internal */
export function appMajor(app: ExpressApp): 4 | 5 {
  return typeof (app as unknown as { lazyrouter?: unknown }).lazyrouter === 'function' ? 4 : 5;
}

/** The app's router if it has one yet (never creates Express 4's). @internal */
export function appRouter(app: ExpressApp): { stack?: unknown } | undefined {
  const a = app as unknown as { _router?: unknown; router?: unknown };
  const router = appMajor(app) === 4 ? a._router : a.router;
  return typeof router === 'function' || (typeof router === 'object' && router !== null) ? (router as { stack?: unknown }) : undefined;
}

/**
 * The layer API of the first layer in `router`'s stack, or `undefined` when the stack is empty
 * (try again later) or `'unknown'` when the layer has neither API.
 * @internal
 */
export function layerShape(router: { stack?: unknown }): LayerShape | 'unknown' | undefined {
  const stack = router.stack;
  if (!Array.isArray(stack)) return 'unknown';
  if (stack.length === 0) return undefined;
  const proto = Object.getPrototypeOf(stack[0]) as Record<string, unknown> | null;
  if (proto === null || typeof proto !== 'object') return 'unknown';
  if (typeof proto['handle_request'] === 'function' && typeof proto['handle_error'] === 'function') {
    return { major: 4, proto, requestMethod: 'handle_request', errorMethod: 'handle_error' };
  }
  if (typeof proto['handleRequest'] === 'function' && typeof proto['handleError'] === 'function') {
    return { major: 5, proto, requestMethod: 'handleRequest', errorMethod: 'handleError' };
  }
  return 'unknown';
}

/** Whether a layer's handler is a router (has its own `stack`): `router - …` spans. @internal */
export function isRouterHandle(handle: unknown): boolean {
  return typeof handle === 'function' && Array.isArray((handle as { stack?: unknown }).stack);
}

let matchedRouteKey: symbol | null | undefined;

/**
 * Express 5: the path of an array that matched the layer being entered (router 2.3+ keeps it on
 * `req` under a private symbol, found once by its description), or undefined.
 * @internal
 */
export function matchedPattern(req: object): unknown {
  if (matchedRouteKey === undefined) {
    matchedRouteKey = Object.getOwnPropertySymbols(req).find((s) => s.description === 'router.tracing.matchedRoute') ?? null;
    if (matchedRouteKey === null) {
      // Not found on this request: look again on a later one (the router may set it later).
      matchedRouteKey = undefined;
      return undefined;
    }
  }
  return (req as Record<symbol, unknown>)[matchedRouteKey as symbol];
}

/** Express 4: cached per layer when it cannot change from one request to the next. */
const TEMPLATE = Symbol('tracelight.express.template');
const INDICES = Symbol('tracelight.express.indices');

/**
 * Express 4: the template a layer's compiled path was made from, rebuilt from the part of the
 * path it matched (`/orgs/acme42` → `/orgs/:org`): each capturing group of the compiled path is
 * a key, in order, so the text each group matched is replaced by `:name` (`*` for unnamed ones).
 * A RegExp the user registered is not path-to-regexp's shape: its `source`. Undefined when the
 * match cannot be read. `isRoute`: a route entry (compiled with `end`), else a mount.
 * @internal
 */
export function express4Template(layer: ExpressLayer, isRoute: boolean): string | undefined {
  const cached = (layer as { [TEMPLATE]?: string })[TEMPLATE];
  if (cached !== undefined) return cached;
  const re = layer.regexp;
  if (!(re instanceof RegExp)) return undefined;
  if (re.fast_slash === true) return '';
  if (re.fast_star === true) return '*';
  const source = re.source;
  const generated = source.startsWith('^') && (isRoute ? source.endsWith('$') : source.endsWith('(?=\\/|$)') || source.endsWith('(?:\\/|$)'));
  if (!generated) return cacheTemplate(layer, source);
  const matched = layer.path;
  const keys = layer.keys;
  if (typeof matched !== 'string' || !Array.isArray(keys)) return undefined;
  let withIndices = (layer as { [INDICES]?: RegExp })[INDICES];
  if (withIndices === undefined) {
    withIndices = new RegExp(source, re.flags.replace(/[gyd]/g, '') + 'd');
    (layer as { [INDICES]?: RegExp })[INDICES] = withIndices;
  }
  const m = withIndices.exec(matched);
  if (m === null || m.indices === undefined) return undefined;
  let out = '';
  let pos = 0;
  for (let i = 1; i < m.length; i++) {
    const span = m.indices[i];
    if (span === undefined || span[0] < pos) continue;
    const key = keys[i - 1];
    const name = key === undefined || typeof key.name === 'number' ? '*' : `:${key.name}`;
    out += matched.slice(pos, span[0]) + name;
    pos = span[1];
  }
  out += matched.slice(pos);
  if (out.length > 1 && out.endsWith('/')) out = out.slice(0, -1);
  // Optional keys and alternatives (arrays) give different templates per request.
  const stable = !source.includes('|') && keys.every((k) => k.optional !== true);
  return stable ? cacheTemplate(layer, out) : out;
}

function cacheTemplate(layer: ExpressLayer, template: string): string {
  (layer as { [TEMPLATE]?: string })[TEMPLATE] = template;
  return template;
}

/**
 * Express 5 with router before 2.3 (no `rawPath`): the template rebuilt from the layer's last
 * match (`/orgs/acme42` with `{ org: 'acme42' }` → `/orgs/:org`), placing the parameters from
 * the right, one whole path segment each. Undefined when they cannot all be placed that way
 * (a wildcard over several segments, two parameters in one segment, a RegExp's numbered groups).
 * @internal
 */
export function templateFromMatch(layer: ExpressLayer): string | undefined {
  const matched = layer.path;
  const params = layer.params;
  if (typeof matched !== 'string' || params === null || typeof params !== 'object') return undefined;
  const values = params as Record<string, unknown>;
  const names = Object.keys(values);
  const segments = matched.split('/');
  let k = names.length - 1;
  for (let i = segments.length - 1; i >= 0 && k >= 0; i--) {
    const name = names[k]!;
    const value = values[name];
    if (typeof value !== 'string' || /^\d+$/.test(name)) return undefined;
    if (decodeSegment(segments[i]!) === value) {
      segments[i] = `:${name}`;
      k--;
    }
  }
  if (k >= 0) return undefined;
  const out = segments.join('/');
  return out.length > 1 && out.endsWith('/') ? out.slice(0, -1) : out;
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

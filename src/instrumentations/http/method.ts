import { KNOWN_METHODS, OTHER_METHOD, OTHER_METHOD_SPAN_NAME } from './constants.js';

/**
 * `http.request.method` for a method as received: a known method as is, anything else `_OTHER`
 * (method names are case-sensitive, so `get` is `_OTHER` too, with the original kept).
 * @internal
 */
export function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  return KNOWN_METHODS.has(method) ? method : OTHER_METHOD;
}

/** The span name for a normalized method (and route, when known): `GET`, `GET /users/:id`, `HTTP`. @internal */
export function spanName(normalizedMethod: string, route?: string): string {
  const m = normalizedMethod === OTHER_METHOD ? OTHER_METHOD_SPAN_NAME : normalizedMethod;
  return route ? `${m} ${route}` : m;
}

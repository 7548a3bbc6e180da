import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import { SERVER_SPAN } from './constants.js';
import { normalizeMethod, spanName } from './method.js';
import { NORMALIZED_METHOD } from './server.js';

interface TracedRequest extends IncomingMessage {
  [SERVER_SPAN]?: Span;
  [NORMALIZED_METHOD]?: string;
}

/**
 * The SERVER span tracelight started for `req`, or `undefined` (not traced, ignored, or another
 * request object). Unlike `trace.getActiveSpan()`, this is the request's span even inside child
 * spans the handler started.
 */
export function getServerSpan(req: IncomingMessage): Span | undefined {
  return (req as TracedRequest | undefined)?.[SERVER_SPAN];
}

/**
 * Records the route template that matched `req` (`/users/:id`, never the raw path) as
 * `http.route`, and renames its SERVER span `{METHOD} {route}`, as the conventions ask. For
 * routers tracelight does not instrument; the Express instrumentation calls it for you. Does
 * nothing for an untraced request or an empty route. Never throws.
 */
export function setHttpRoute(req: IncomingMessage, route: string): void {
  const span = getServerSpan(req);
  if (span === undefined || typeof route !== 'string' || route.length === 0) return;
  const r = req as TracedRequest;
  span.setAttribute(ATTR_HTTP_ROUTE, route);
  span.updateName(spanName(r[NORMALIZED_METHOD] ?? normalizeMethod(req.method), route));
}

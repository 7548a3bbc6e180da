import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import { spanName } from './method.js';
import { serverRequestState } from './server.js';

/**
 * The SERVER span tracelight started for `req`, or `undefined` (not traced, ignored, or another
 * request object). Unlike `trace.getActiveSpan()`, this is the request's span even inside child
 * spans the handler started.
 */
export function getServerSpan(req: IncomingMessage): Span | undefined {
  if (req === null || typeof req !== 'object') return undefined;
  return serverRequestState(req)?.span;
}

/**
 * Records the route template that matched `req` (`/users/:id`, never the raw path) as
 * `http.route`, and renames its SERVER span `{METHOD} {route}`, as the conventions ask. For
 * routers tracelight does not instrument; the Express instrumentation calls it for you. Does
 * nothing for an untraced request or an empty route. Never throws.
 */
export function setHttpRoute(req: IncomingMessage, route: string): void {
  if (req === null || typeof req !== 'object') return;
  const state = serverRequestState(req);
  const span = state?.span;
  if (span === undefined || typeof route !== 'string' || route.length === 0) return;
  state!.route = route;
  span.setAttribute(ATTR_HTTP_ROUTE, route);
  span.updateName(spanName(state!.method, route));
}

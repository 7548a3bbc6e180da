import { warnOnce } from '../../internal/diag.js';

/** Options of `instrumentExpress` and of `init({ instrumentations: { express } })`. */
export interface ExpressInstrumentationOptions {
  /**
   * Spans for the app's own functions, as children of the request's SERVER span (which is always
   * there and is all you get by default, `'none'`): `'handlers'` adds one per route handler
   * (`request handler - /users/:id`), `'all'` one per middleware and router too
   * (`middleware - jsonParser`, `router - /api`). Each ends when it calls `next()` or when the
   * response is done.
   */
  spans?: 'none' | 'handlers' | 'all';
}

/** Options with their defaults applied. @internal */
export interface ResolvedExpressOptions {
  /** 0: none, 1: handlers, 2: all. */
  readonly spans: 0 | 1 | 2;
}

/** Applies defaults; an unknown value is reported once and means the default. @internal */
export function resolveExpressOptions(options: ExpressInstrumentationOptions | undefined): ResolvedExpressOptions {
  const spans = options?.spans;
  if (spans === undefined || spans === 'none') return { spans: 0 };
  if (spans === 'handlers') return { spans: 1 };
  if (spans === 'all') return { spans: 2 };
  warnOnce('express.options.spans', `instrumentExpress(): unknown spans option ${JSON.stringify(spans)}; expected 'none', 'handlers' or 'all'. Using 'none'.`);
  return { spans: 0 };
}

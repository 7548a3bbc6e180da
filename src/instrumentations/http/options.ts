import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { warnOnce } from '../../internal/diag.js';
import { DEFAULT_SENSITIVE_QUERY_PARAMS, NEVER_CAPTURED_HEADERS } from './constants.js';
import { normalizeQueryName } from './query-names.js';

/** Which client API made an outgoing request. */
export type OutgoingApi = 'http' | 'fetch';

/** What `clientRequestHook` receives about an outgoing request. */
export interface OutgoingRequestInfo {
  /** `'http'` for `http.request`/`https.request` (and libraries on them), `'fetch'` for `fetch`/undici. */
  readonly api: OutgoingApi;
  /** The method as sent. */
  readonly method: string;
  /** The URL, with credentials and sensitive query values redacted (as recorded in `url.full`). */
  readonly url: string;
  /** The `http.ClientRequest` (api `'http'`) or undici's internal request object (api `'fetch'`). */
  readonly request: ClientRequest | object;
}

/** What `clientResponseHook` receives once the response headers of an outgoing request arrived. */
export interface OutgoingResponseInfo {
  /** Which client made the request. */
  readonly api: OutgoingApi;
  /** The response status code. */
  readonly statusCode: number;
  /** The `http.ClientRequest` (api `'http'`) or undici's internal request object (api `'fetch'`). */
  readonly request: ClientRequest | object;
  /** The `http.IncomingMessage` (api `'http'`) or undici's response description (api `'fetch'`). */
  readonly response: IncomingMessage | object;
}

/** A list of patterns or a predicate; a `true` from the predicate means "matches". */
export type Matcher<A extends unknown[]> = ReadonlyArray<string | RegExp> | ((...args: A) => boolean);

/**
 * Options of the http/https/fetch instrumentation (`enableHttpInstrumentation`, `traceHandler`,
 * or `init({ instrumentations: { http: options } })`). Every field is optional; the defaults trace
 * everything, propagate to every host and record no header.
 */
export interface HttpInstrumentationOptions {
  /**
   * Incoming requests to leave untraced, e.g. health checks. A string matches the path exactly
   * (without the query), a RegExp is tested against the path, a function receives the request.
   * An ignored request's handler runs with tracing suppressed, so its outgoing calls are not
   * traced either.
   */
  ignoreIncoming?: Matcher<[request: IncomingMessage]>;
  /**
   * Outgoing requests to leave untraced (no span, no trace headers), e.g. the telemetry
   * collector. A string matches as a prefix of the full URL (`'http://collector:4318/'`), a
   * RegExp is tested against the full URL, a function receives the URL and the method.
   */
  ignoreOutgoing?: Matcher<[url: string, method: string]>;
  /**
   * Hosts that receive `traceparent`/`tracestate`/`baggage` (default: all). A string matches the
   * host name exactly, or every subdomain when it starts with a dot (`'.example.com'`); a RegExp
   * is tested against the full URL; a function receives the full URL. Requests to other hosts
   * are still traced, without headers.
   */
  propagateTo?: Matcher<[url: string]>;
  /**
   * Request header names to record as `http.request.header.<name>` (string[]), on server and
   * client spans. Case-insensitive. `authorization`, `proxy-authorization`, `cookie` and
   * `set-cookie` are never recorded.
   */
  requestHeaders?: readonly string[];
  /** Response header names to record as `http.response.header.<name>`; same rules as `requestHeaders`. */
  responseHeaders?: readonly string[];
  /**
   * Query parameter names whose values are recorded as `REDACTED` in `url.full`, `url.query` and
   * URL-valued headers (`referer`, `location`, ...). Compared by normalised name: case,
   * separators (`-` `_` `.`), percent-encoding, `+` and brackets do not matter (`'access_token'`
   * matches `Access-Token`, `%61ccess_token` and `x[access_token]`). Replaces the default list,
   * `DEFAULT_SENSITIVE_QUERY_PARAMS`; spread it to extend. Whatever the list, a name whose words
   * name a secret (`auth_token`, `accessToken`, `api-key`, `jwt`, `session_id`, `pass`, ... as
   * for attribute keys) is always redacted.
   */
  sensitiveQueryParams?: readonly string[];
  /** Called when a server span starts; add attributes from the request. Errors are caught and reported once. */
  serverRequestHook?: (span: Span, request: IncomingMessage) => void;
  /** Called just before a server span ends (response finished or connection closed). */
  serverResponseHook?: (span: Span, response: ServerResponse, request: IncomingMessage) => void;
  /** Called when a client span starts. */
  clientRequestHook?: (span: Span, request: OutgoingRequestInfo) => void;
  /** Called when the response headers of an outgoing request arrived, just before its span ends. */
  clientResponseHook?: (span: Span, response: OutgoingResponseInfo) => void;
}

/** Options turned into the shapes the hot path wants. @internal */
export interface ResolvedHttpOptions {
  readonly ignoreIncoming: ((path: string, request: IncomingMessage) => boolean) | undefined;
  readonly ignoreOutgoing: ((url: string, method: string) => boolean) | undefined;
  readonly propagateTo: ((url: string, hostname: string) => boolean) | undefined;
  /** Lower-case names and their attribute keys, or undefined when none. */
  readonly requestHeaders: ReadonlyArray<readonly [name: string, key: string]> | undefined;
  readonly responseHeaders: ReadonlyArray<readonly [name: string, key: string]> | undefined;
  /** Normalised names (see `normalizeQueryName`). */
  readonly sensitiveQueryParams: ReadonlySet<string>;
  readonly serverRequestHook: HttpInstrumentationOptions['serverRequestHook'];
  readonly serverResponseHook: HttpInstrumentationOptions['serverResponseHook'];
  readonly clientRequestHook: HttpInstrumentationOptions['clientRequestHook'];
  readonly clientResponseHook: HttpInstrumentationOptions['clientResponseHook'];
}

const DEFAULT_SENSITIVE_SET: ReadonlySet<string> = new Set(DEFAULT_SENSITIVE_QUERY_PARAMS.map(normalizeQueryName));

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}

function patternList(kind: string, value: unknown): Array<string | RegExp> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    warnOnce(`http.options.${kind}`, `http instrumentation option "${kind}" must be an array or a function; ignored.`);
    return undefined;
  }
  const out: Array<string | RegExp> = [];
  for (const item of value) {
    if (typeof item === 'string' || item instanceof RegExp) out.push(item);
    else warnOnce(`http.options.${kind}.item`, `http instrumentation option "${kind}" holds a value that is neither a string nor a RegExp; it is ignored.`);
  }
  return out.length > 0 ? out : undefined;
}

function testRegExp(re: RegExp, value: string): boolean {
  // A global or sticky RegExp keeps state between calls; reset it so every test starts fresh.
  re.lastIndex = 0;
  return re.test(value);
}

function headerList(kind: string, prefix: string, value: unknown): Array<readonly [string, string]> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    warnOnce(`http.options.${kind}`, `http instrumentation option "${kind}" must be an array of header names; ignored.`);
    return undefined;
  }
  const out: Array<readonly [string, string]> = [];
  const seen = new Set<string>();
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0) continue;
    const name = item.trim().toLowerCase();
    if (NEVER_CAPTURED_HEADERS.has(name)) {
      warnOnce(`http.options.${kind}.secret`, `http instrumentation never records the "${name}" header; it was removed from "${kind}".`);
      continue;
    }
    if (seen.has(name)) continue;
    seen.add(name);
    out.push([name, prefix + name]);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Checks and normalises user options once, so that per-request work only calls prepared
 * functions. Bad values are reported through `diag` once and replaced by the default; never throws.
 * @internal
 */
export function resolveHttpOptions(options: HttpInstrumentationOptions | undefined | null): ResolvedHttpOptions {
  const o: HttpInstrumentationOptions = options !== null && typeof options === 'object' ? options : {};

  let ignoreIncoming: ResolvedHttpOptions['ignoreIncoming'];
  if (isFunction(o.ignoreIncoming)) {
    const fn = o.ignoreIncoming;
    ignoreIncoming = (_path, request) => fn(request) === true;
  } else {
    const list = patternList('ignoreIncoming', o.ignoreIncoming);
    if (list) {
      const exact = new Set(list.filter((p): p is string => typeof p === 'string'));
      const res = list.filter((p): p is RegExp => p instanceof RegExp);
      ignoreIncoming = (path) => exact.has(path) || res.some((re) => testRegExp(re, path));
    }
  }

  let ignoreOutgoing: ResolvedHttpOptions['ignoreOutgoing'];
  if (isFunction(o.ignoreOutgoing)) {
    const fn = o.ignoreOutgoing;
    ignoreOutgoing = (url, method) => fn(url, method) === true;
  } else {
    const list = patternList('ignoreOutgoing', o.ignoreOutgoing);
    if (list) {
      ignoreOutgoing = (url) =>
        list.some((p) => (typeof p === 'string' ? url.startsWith(p) : testRegExp(p, url)));
    }
  }

  let propagateTo: ResolvedHttpOptions['propagateTo'];
  if (isFunction(o.propagateTo)) {
    const fn = o.propagateTo;
    propagateTo = (url) => fn(url) === true;
  } else if (o.propagateTo !== undefined) {
    // An empty list is meaningful here: propagate to no host.
    const list = Array.isArray(o.propagateTo) ? (patternList('propagateTo', o.propagateTo) ?? []) : undefined;
    if (list) {
      const hosts = list.filter((p): p is string => typeof p === 'string').map((h) => h.toLowerCase());
      const res = list.filter((p): p is RegExp => p instanceof RegExp);
      propagateTo = (url, hostname) => {
        const h = hostname.toLowerCase();
        for (const host of hosts) {
          if (host.startsWith('.') ? h.endsWith(host) || h === host.slice(1) : h === host) return true;
        }
        return res.some((re) => testRegExp(re, url));
      };
    } else {
      patternList('propagateTo', o.propagateTo);
    }
  }

  let sensitive: ReadonlySet<string> = DEFAULT_SENSITIVE_SET;
  if (o.sensitiveQueryParams !== undefined) {
    if (Array.isArray(o.sensitiveQueryParams)) {
      sensitive = new Set(
        o.sensitiveQueryParams.filter((p): p is string => typeof p === 'string').map(normalizeQueryName),
      );
    } else {
      warnOnce('http.options.sensitiveQueryParams', 'http instrumentation option "sensitiveQueryParams" must be an array of names; the default list is used.');
    }
  }

  return {
    ignoreIncoming,
    ignoreOutgoing,
    propagateTo,
    requestHeaders: headerList('requestHeaders', 'http.request.header.', o.requestHeaders),
    responseHeaders: headerList('responseHeaders', 'http.response.header.', o.responseHeaders),
    sensitiveQueryParams: sensitive,
    serverRequestHook: hookOrUndefined('serverRequestHook', o.serverRequestHook),
    serverResponseHook: hookOrUndefined('serverResponseHook', o.serverResponseHook),
    clientRequestHook: hookOrUndefined('clientRequestHook', o.clientRequestHook),
    clientResponseHook: hookOrUndefined('clientResponseHook', o.clientResponseHook),
  };
}

function hookOrUndefined<T>(kind: string, value: T): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'function') {
    warnOnce(`http.options.${kind}`, `http instrumentation option "${kind}" must be a function; ignored.`);
    return undefined;
  }
  return value;
}


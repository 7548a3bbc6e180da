/**
 * URL pieces for http spans, without `new URL()` on the hot path, and with secrets redacted.
 * @internal
 */
import { URL_REDACTED } from './constants.js';
import { isSensitiveQueryName } from './query-names.js';

/** Path and query of a request target; `query` is `undefined` when there is none. */
export interface Target {
  path: string;
  query: string | undefined;
}

/**
 * Splits a request target (`/a/b?x=1`, or the absolute form `http://h/a?x=1` that proxies
 * receive) into path and query. A fragment is dropped (it is never sent, but a client may put it
 * in the target). Never throws.
 */
export function splitTarget(target: string): Target {
  let start = 0;
  if (target.charCodeAt(0) !== 47 /* / */) {
    // Absolute form: skip scheme://authority (which may hold credentials: never recorded).
    const scheme = target.indexOf('://');
    if (scheme > 0) {
      const slash = target.indexOf('/', scheme + 3);
      const q = target.indexOf('?', scheme + 3);
      if (slash === -1 || (q !== -1 && q < slash)) {
        return { path: '/', query: q === -1 ? undefined : cutFragment(target.slice(q + 1)) };
      }
      start = slash;
    }
  }
  const hash = target.indexOf('#', start);
  const end = hash === -1 ? target.length : hash;
  const q = target.indexOf('?', start);
  if (q === -1 || q > end) return { path: start === 0 && end === target.length ? target : target.slice(start, end), query: undefined };
  return { path: target.slice(start, q), query: target.slice(q + 1, end) };
}

function cutFragment(s: string): string {
  const hash = s.indexOf('#');
  return hash === -1 ? s : s.slice(0, hash);
}

/**
 * Parameters whose names are judged one by one; the values of any further ones are redacted
 * unexamined. Judging a new name costs about a microsecond, and a 16 KB query holds thousands.
 */
const QUERY_MAX_JUDGED = 128;

/**
 * Replaces the values of sensitive query parameters with `REDACTED`: names whose words name a
 * secret, and names in `sensitive` (normalised, see `normalizeQueryName`); past the first 128
 * parameters, every value. Linear in the length of the query. Returns the same string when
 * nothing matched (no allocation in the common case).
 */
export function redactQuery(query: string, sensitive: ReadonlySet<string>): string {
  if (query.length === 0) return query;
  // Scan without allocating; build a copy only from the first sensitive parameter on.
  let out: string | undefined;
  let start = 0;
  let judged = 0;
  // The next '=' at or after `start`, remembered: searching again for every '&'-separated
  // parameter without one would make `a&a&a…` quadratic.
  let nextEq = -2;
  while (start <= query.length) {
    let amp = query.indexOf('&', start);
    if (amp === -1) amp = query.length;
    if (nextEq !== -1 && nextEq < start) nextEq = query.indexOf('=', start);
    const eq = nextEq;
    if (
      eq !== -1 &&
      eq < amp &&
      eq > start &&
      (++judged > QUERY_MAX_JUDGED || isSensitiveQueryName(query.slice(start, eq), sensitive))
    ) {
      out = (out ?? query.slice(0, start)) + query.slice(start, eq + 1) + URL_REDACTED + (amp < query.length ? '&' : '');
    } else if (out !== undefined) {
      out += query.slice(start, amp < query.length ? amp + 1 : amp);
    }
    start = amp + 1;
  }
  return out ?? query;
}

/**
 * Makes a full URL safe to record: the fragment is dropped (never sent, and where OAuth puts
 * `#access_token=…`), `user:pass@` becomes `REDACTED:REDACTED@`, sensitive query values become
 * `REDACTED`. Returns the input when there is nothing to hide.
 */
export function redactUrl(fullUrl: string, sensitive: ReadonlySet<string>): string {
  const fragment = fullUrl.indexOf('#');
  const url = fragment === -1 ? fullUrl : fullUrl.slice(0, fragment);
  let result = url;
  const scheme = url.indexOf('://');
  if (scheme !== -1) {
    const authorityStart = scheme + 3;
    // The last '@' of the authority, found in the same pass (no `lastIndexOf`: slow in V8).
    let at = -1;
    for (let i = authorityStart; i < url.length; i++) {
      const c = url.charCodeAt(i);
      if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
      if (c === 64 /* @ */) at = i;
    }
    if (at >= authorityStart) {
      result = url.slice(0, authorityStart) + URL_REDACTED + ':' + URL_REDACTED + url.slice(at);
    }
  }
  const q = result.indexOf('?');
  if (q === -1) return result;
  const query = result.slice(q + 1);
  const redacted = redactQuery(query, sensitive);
  if (redacted === query) return result;
  return result.slice(0, q + 1) + redacted;
}

/** Host name and port of a `Host` header or URL authority (`h`, `h:8080`, `[::1]:8080`). */
export interface HostPort {
  hostname: string;
  port: number | undefined;
}

/** Parses `host[:port]`, with bracketed IPv6. The port is `undefined` when absent or invalid. */
export function parseHostPort(authority: string): HostPort {
  let hostEnd = authority.length;
  let portStart = -1;
  if (authority.charCodeAt(0) === 91 /* [ */) {
    const close = authority.indexOf(']');
    if (close !== -1) {
      hostEnd = close + 1;
      if (authority.charCodeAt(close + 1) === 58 /* : */) portStart = close + 2;
    }
  } else {
    // (`indexOf` twice, not `lastIndexOf`: V8 runs the latter in C++, slower on this hot path.)
    const colon = authority.indexOf(':');
    // Two colons without brackets: a bare IPv6 address, no port.
    if (colon !== -1 && authority.indexOf(':', colon + 1) === -1) {
      hostEnd = colon;
      portStart = colon + 1;
    }
  }
  const hostname = hostEnd === authority.length ? authority : authority.slice(0, hostEnd);
  if (portStart === -1) return { hostname, port: undefined };
  const port = parseDigits(authority, portStart) ?? Number(authority.slice(portStart));
  return { hostname, port: Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined };
}

/** The decimal number made of all of `s` from `start` when it is 1 to 5 plain digits, else undefined. */
function parseDigits(s: string, start: number): number | undefined {
  const end = s.length;
  if (end - start < 1 || end - start > 5) return undefined;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n;
}

/** Default port of `http`/`https`. */
export function defaultPort(scheme: string): number {
  return scheme === 'https' ? 443 : 80;
}

/**
 * Splits a URL origin (`http://h:1`, as undici reports it) into scheme, host name and port.
 * Never throws; unknown pieces come back empty.
 */
export function parseOrigin(origin: string): ParsedOrigin {
  // A client talks to few origins, usually the same one many times in a row.
  if (origin === lastOrigin && lastParsed !== undefined) return lastParsed;
  const parsed = parseOriginUncached(origin);
  lastOrigin = origin;
  lastParsed = parsed;
  return parsed;
}

/** What {@link parseOrigin} returns; shared between calls, so never modified. */
export interface ParsedOrigin {
  readonly scheme: string;
  readonly hostname: string;
  readonly port: number;
}

let lastOrigin: string | undefined;
let lastParsed: ParsedOrigin | undefined;

function parseOriginUncached(origin: string): ParsedOrigin {
  const sep = origin.indexOf('://');
  const scheme = sep === -1 ? 'http' : origin.slice(0, sep).toLowerCase();
  let authority = sep === -1 ? origin : origin.slice(sep + 3);
  const slash = authority.indexOf('/');
  if (slash !== -1) authority = authority.slice(0, slash);
  const at = authority.lastIndexOf('@');
  if (at !== -1) authority = authority.slice(at + 1);
  const { hostname, port } = parseHostPort(authority);
  return Object.freeze({ scheme, hostname, port: port ?? defaultPort(scheme) });
}

/**
 * Names and limits of the http instrumentation, in one place.
 * @internal
 */

/** The instrumentation scope every http span is created under. */
export const SCOPE_NAME = 'tracelight/http';

/**
 * Written in place of URL credentials and sensitive query values in `url.full` and `url.query`:
 * the literal the HTTP semantic conventions prescribe, so backends recognise it. Deliberately not
 * the redactor's `[REDACTED]` (`DEFAULT_REDACTION`), which is ours and configurable.
 */
export const URL_REDACTED = 'REDACTED';

/**
 * Query parameters whose values are replaced by `REDACTED` in `url.full` and `url.query`: the
 * semantic conventions' list (`AWSAccessKeyId`, `Signature`, `sig`, `X-Goog-Signature`) plus the
 * names that usually carry credentials. Compared by normalised name (case, separators, brackets
 * and encoding do not matter); names whose words name a secret are redacted whether listed or
 * not. Pass your own list (for example `[...DEFAULT_SENSITIVE_QUERY_PARAMS, 'state']`) in
 * `sensitiveQueryParams`.
 */
export const DEFAULT_SENSITIVE_QUERY_PARAMS: readonly string[] = Object.freeze([
  'access_token',
  'api_key',
  'apikey',
  'auth',
  'awsaccesskeyid',
  'client_secret',
  'code',
  'id_token',
  'key',
  'password',
  'passwd',
  'pwd',
  'refresh_token',
  'secret',
  'session',
  'sessionid',
  'sig',
  'signature',
  'token',
  'x-amz-credential',
  'x-amz-security-token',
  'x-amz-signature',
  'x-goog-credential',
  'x-goog-signature',
]);

/**
 * Headers never recorded, even when named in an allow-list: they carry credentials, and a trace
 * backend is not the place for them.
 */
export const NEVER_CAPTURED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'proxy-authorization',
  'set-cookie',
]);

/**
 * Headers whose value is a URL (or holds one, as `refresh: 5; url=…`), recorded with the URL
 * rules when allow-listed: an OAuth redirect puts `code=` and `#access_token=` in `location`, and
 * `referer` carries the previous page's query.
 */
export const URL_VALUED_HEADERS: ReadonlySet<string> = new Set([
  'content-location',
  'location',
  'origin',
  'referer',
  'refresh',
]);

/** The methods the stable HTTP conventions know; any other becomes `_OTHER`. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

/** `http.request.method` value for a method outside {@link KNOWN_METHODS}. */
export const OTHER_METHOD = '_OTHER';

/** `error.type` when the instrumentation knows something failed but not what. */
export const OTHER_ERROR = '_OTHER';

/** Span name used when the method is `_OTHER`, as the conventions say. */
export const OTHER_METHOD_SPAN_NAME = 'HTTP';

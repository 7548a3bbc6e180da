import { warnOnce } from '../internal/diag.js';

/** Where an OTLP/HTTP collector listens by default (the OpenTelemetry Collector's port 4318). */
export const DEFAULT_OTLP_TRACES_URL = 'http://localhost:4318/v1/traces';

const TRACES_PATH = 'v1/traces';
const OPTION_NAMES = { base: 'the endpoint option', full: 'tracesEndpoint' };

/** The names of the two endpoint variables, for warnings about a URL read from them. */
export const ENV_ENDPOINT_NAMES = { base: 'OTEL_EXPORTER_OTLP_ENDPOINT', full: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' };

/**
 * The URL spans are POSTed to, per the OTLP exporter specification: a signal-specific endpoint
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is used as is; a base endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`) gets `v1/traces` appended to its path. A base endpoint that
 * already ends in `/v1/traces` is a common slip; it is used as is (with a warning) rather than
 * sent to `/v1/traces/v1/traces`, where no collector listens.
 *
 * Returns `undefined` when the given URL cannot be parsed or is not http(s). `names` are the
 * settings the caller read the two URLs from, for the warning (the exporter's options by default).
 */
export function resolveOtlpTracesUrl(
  endpoints: { endpoint?: string; tracesEndpoint?: string },
  names: { base: string; full: string } = OPTION_NAMES,
): string | undefined {
  const specific = endpoints.tracesEndpoint?.trim();
  if (specific) return parseHttpUrl(specific)?.href;
  const base = endpoints.endpoint?.trim();
  if (!base) return DEFAULT_OTLP_TRACES_URL;
  const url = parseHttpUrl(base);
  if (url === undefined) return undefined;
  if (/\/v1\/traces\/?$/.test(url.pathname)) {
    warnOnce(
      'otlp-endpoint-has-path',
      `${names.base} (${url.href}) already ends in /v1/traces, so it is used as is. It is a base URL to which /v1/traces is appended; give the full URL as ${names.full} instead.`,
    );
    return url.href;
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${TRACES_PATH}`;
  return url.href;
}

function parseHttpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

import { describeError } from '../internal/safe-call.js';

/**
 * Why an export failed, in a form worth logging: a stable `kind` (so each kind of failure is
 * reported once, not once per batch) and a message that names the endpoint, the cause and what
 * to change.
 */
export class ExportFailure extends Error {
  /** Stable short name of the failure, e.g. `connection-refused`, `timeout`, `http-503`. */
  readonly kind: string;
  /** Set once this failure has been reported through `diag`, so processors do not repeat it. */
  reported = false;

  constructor(kind: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ExportFailure';
    this.kind = kind;
  }
}

/** What the official OTLP transport resolves with (`ExportResponse` of otlp-exporter-base). */
export type TransportResponse =
  | { status: 'success'; data?: Uint8Array }
  | { status: 'failure'; error: Error }
  | { status: 'retryable'; retryInMillis?: number; error?: Error };

const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED']);
/** What to change to send spans elsewhere, for an exporter whose URL was given in code. */
export const ENDPOINT_OPTION_HINT = 'change the endpoint given to createOtlpExporter() (tracesEndpoint: the full URL; endpoint: a base URL, /v1/traces is appended)';

/**
 * Turns the last response of a failed export to `url` into an {@link ExportFailure}.
 * `attempts` is how many requests were made; `timeoutMillis` the export's time budget;
 * `endpointHint` says how the user changes the URL (the setting they actually used).
 */
export function describeTransportFailure(
  url: string,
  response: Exclude<TransportResponse, { status: 'success' }>,
  attempts: number,
  timeoutMillis: number,
  endpointHint: string = ENDPOINT_OPTION_HINT,
): ExportFailure {
  const tried = attempts > 1 ? ` (${attempts} attempts)` : '';
  const err = response.error;
  const code = errorCode(err);
  const status = httpStatus(err);
  if (code === 'ECONNREFUSED') {
    return new ExportFailure(
      'connection-refused',
      `cannot export spans to ${url}: connection refused${tried}, nothing listens there. Start the collector, or ${endpointHint}. Spans are dropped until it answers.`,
      err,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ExportFailure(
      'dns',
      `cannot export spans to ${url}: host not found (${code})${tried}. Check the host name, or ${endpointHint}.`,
      err,
    );
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new ExportFailure(
      'network',
      `cannot export spans to ${url}: network error ${code}${tried}. Check the collector and the network path to it.`,
      err,
    );
  }
  if (err !== undefined && /timed? ?out/i.test(err.message)) {
    return new ExportFailure(
      'timeout',
      `collector at ${url} did not answer within ${timeoutMillis} ms${tried}; spans of that batch were dropped. Check it is healthy, or raise OTEL_EXPORTER_OTLP_TIMEOUT.`,
      err,
    );
  }
  if (response.status === 'retryable' && status === undefined) {
    return new ExportFailure(
      'http-retryable',
      `collector at ${url} is overloaded or unavailable (HTTP 429, 502, 503 or 504)${tried} and still was after retrying within ${timeoutMillis} ms; spans of that batch were dropped. Scale the collector or lower the span volume (sampling).`,
      err,
    );
  }
  if (status !== undefined) return describeHttpStatus(url, status, err, endpointHint);
  return new ExportFailure(
    'unknown',
    `cannot export spans to ${url}: ${err === undefined ? 'unknown error' : describeError(err)}${tried}.`,
    err,
  );
}

/**
 * What to do about an HTTP status that says the endpoint is misconfigured rather than failing
 * (credentials, path, size, encoding), or `undefined`. Shared by export failures and diagnose().
 */
export function misconfigurationAdvice(status: number, endpointHint: string): string | undefined {
  if (status === 401 || status === 403) return 'the collector refused the credentials: check otlp.headers or OTEL_EXPORTER_OTLP_HEADERS (or OTEL_EXPORTER_OTLP_TRACES_HEADERS).';
  if (status === 404) return `no OTLP traces receiver at that path (the usual one ends in /v1/traces, port 4318): ${endpointHint}.`;
  if (status === 413) return 'batches are too large for the collector: lower batch.maxExportBatchSize or OTEL_BSP_MAX_EXPORT_BATCH_SIZE.';
  if (status === 415) return 'the collector does not accept this encoding: check otlp.protocol or OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf or http/json).';
  return undefined;
}

function describeHttpStatus(url: string, status: number, err: unknown, endpointHint: string): ExportFailure {
  const advice =
    misconfigurationAdvice(status, endpointHint) ??
    (status >= 400 && status < 500
      ? 'the collector rejected the data; spans of that batch were dropped (not retried, per the OTLP specification).'
      : status >= 500
        ? 'the collector failed; spans of that batch were dropped (not retried, per the OTLP specification). Check its logs.'
        : 'unexpected answer; check that the endpoint is an OTLP/HTTP collector.');
  return new ExportFailure(`http-${status}`, `collector at ${url} answered HTTP ${status}: ${advice}`, err);
}

/**
 * Any export error as an {@link ExportFailure}: passes ours through, classifies others by their
 * Node.js error code or HTTP status, so reports stay grouped by kind whatever the exporter.
 */
export function toExportFailure(err: unknown, exporterName: string): ExportFailure {
  if (err instanceof ExportFailure) return err;
  const code = errorCode(err);
  const status = httpStatus(err);
  const what = err === undefined ? 'no reason given' : describeError(err);
  if (code !== undefined) return new ExportFailure(`error-${code}`, `${exporterName} failed to export spans: ${what}.`, err);
  if (status !== undefined) return new ExportFailure(`http-${status}`, `${exporterName} failed to export spans: HTTP ${status} (${what}).`, err);
  return new ExportFailure('export-failed', `${exporterName} failed to export spans: ${what}.`, err);
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The HTTP status the official exporter puts on `OTLPExporterError.code`. */
function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && code >= 100 && code <= 599 ? code : undefined;
}

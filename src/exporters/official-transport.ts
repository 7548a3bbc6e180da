import { warnOnce } from '../internal/diag.js';
import { CountingRetryingTransport } from './retrying-transport.js';
import type { ExporterTransport, RetryPolicy } from './retrying-transport.js';

/**
 * The one assumption tracelight makes about the official OTLP exporter packages' private
 * internals, kept here with its probe and fallback (like src/internal/node-assumptions.ts does for
 * Node.js). Its canary, test/exporters/official-transport.test.ts, runs in CI on both
 * OpenTelemetry generations: `otlp-exporter-base` 0.223 (2.x) and 0.301 (3.x), where it holds.
 *
 * It can go if the official exporter ever exposes a retry count or a transport option.
 * @internal
 */
export const OFFICIAL_TRANSPORT_ASSUMPTION = {
  what: "an official OTLPTraceExporter keeps its retrying transport in `_delegate._transport`, and that one keeps the HTTP transport in its own `_transport` (both with send() and shutdown())",
  usedBy: 'src/exporters/otlp.ts (createOtlpExporter), through installRetryLayer()',
  fallback: "the official exporter's own retries are used: not counted in stats(), not paused at shutdown, and final failures are not described",
} as const;

/** The official exporter's fields we reach into, as found on a live exporter. @internal */
export interface OfficialTransportFields {
  /** The export delegate, whose `_transport` we replace. */
  delegate: { _transport?: unknown };
  /** The official retrying transport now in `delegate._transport`. */
  outer: ExporterTransport;
  /** The HTTP transport inside it, which ours wraps instead. */
  inner: ExporterTransport;
}

/** The probe: the fields if `official` has the shape we assume, else undefined. Never throws. @internal */
export function findOfficialTransport(official: unknown): OfficialTransportFields | undefined {
  try {
    const delegate = (official as { _delegate?: { _transport?: unknown } } | undefined)?._delegate;
    const outer = delegate?._transport as { _transport?: unknown } | undefined;
    const inner = outer?._transport;
    if (typeof delegate !== 'object' || delegate === null || !isTransport(outer) || !isTransport(inner)) return undefined;
    return { delegate, outer, inner };
  } catch {
    return undefined;
  }
}

/**
 * Swaps the official retrying transport of `official` for a {@link CountingRetryingTransport}
 * around the same HTTP transport, and returns it. When the assumption does not hold, leaves the
 * exporter as it is, reports the fallback once through `diag.warn`, and returns undefined.
 * @internal
 */
export function installRetryLayer(
  official: unknown,
  url: string,
  policy: RetryPolicy,
  endpointHint?: string,
): CountingRetryingTransport | undefined {
  const fields = findOfficialTransport(official);
  if (fields === undefined) {
    const a = OFFICIAL_TRANSPORT_ASSUMPTION;
    warnOnce(
      'assumption:otlpTransport',
      `the installed OTLP exporter breaks an assumption (${a.what}); fallback: ${a.fallback}. Please report it to tracelight.`,
    );
    return undefined;
  }
  const retrying = new CountingRetryingTransport(fields.inner, url, policy, endpointHint);
  fields.delegate._transport = retrying;
  return retrying;
}

function isTransport(value: unknown): value is ExporterTransport {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ExporterTransport).send === 'function' &&
    typeof (value as ExporterTransport).shutdown === 'function'
  );
}

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '../internal/sdk-core.js';
import { misconfigurationAdvice } from './export-failure.js';
import type { OtlpProtocol } from './otlp.js';

/** What an OTLP/HTTP endpoint answered to an empty export request. */
export interface CollectorAnswer {
  /** True when it answered 2xx: spans sent there are accepted. */
  accepts: boolean;
  /** The HTTP status, when anything answered. */
  status?: number;
  /** What was found and, when it does not accept spans, what to do. */
  detail: string;
  /** How long the answer took, in milliseconds. */
  millis: number;
}

/**
 * Sends an empty OTLP export request (no spans: a valid request that a collector answers with
 * 200) to `url` and says what came back, within `timeoutMillis`; `endpointHint` says how the
 * user changes the URL, in the terms of the setting they used. Never rejects; leaves no socket
 * open (no keep-alive) and makes no span (tracing suppressed).
 */
export function probeCollector(
  url: string,
  protocol: OtlpProtocol,
  headers: Record<string, string>,
  timeoutMillis: number,
  endpointHint: string,
): Promise<CollectorAnswer> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  return new Promise<CollectorAnswer>((resolve) => {
    let settled = false;
    const done = (answer: Omit<CollectorAnswer, 'millis'>): void => {
      if (settled) return;
      settled = true;
      resolve({ ...answer, millis: elapsed() });
    };
    const body = protocol === 'http/json' ? '{}' : new Uint8Array(0);
    try {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      context.with(suppressTracing(context.active()), () => {
        const req = send(
          target,
          {
            method: 'POST',
            agent: false,
            headers: {
              ...headers,
              'content-type': protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
              'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : 0),
            },
          },
          (res) => {
            res.resume();
            const status = res.statusCode ?? 0;
            done({ accepts: status >= 200 && status < 300, status, detail: describeStatus(url, status, endpointHint) });
          },
        );
        req.setTimeout(timeoutMillis, () => {
          done({ accepts: false, detail: `no answer from ${url} within ${timeoutMillis} ms: the collector is stuck or a firewall drops the traffic.` });
          req.destroy();
        });
        req.on('error', (err: NodeJS.ErrnoException) => done({ accepts: false, detail: describeError(url, err, endpointHint) }));
        req.end(body);
      });
    } catch (err) {
      done({ accepts: false, detail: `cannot send to ${url}: ${err instanceof Error ? err.message : String(err)}.` });
    }
  });
}

function describeStatus(url: string, status: number, endpointHint: string): string {
  if (status >= 200 && status < 300) return `an OTLP receiver answers at ${url} (HTTP ${status}).`;
  const advice = misconfigurationAdvice(status, endpointHint);
  if (advice !== undefined) return `${url} answered HTTP ${status}: ${advice}`;
  return `${url} answered HTTP ${status}: it may not be an OTLP/HTTP receiver, or it is failing; check its logs.`;
}

function describeError(url: string, err: NodeJS.ErrnoException, endpointHint: string): string {
  if (err.code === 'ECONNREFUSED') return `connection refused: nothing listens at ${url}. Start the collector, or ${endpointHint}.`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `host not found (${err.code}) for ${url}: check the host name, or ${endpointHint}.`;
  return `cannot reach ${url}: ${err.code ?? err.message}.`;
}

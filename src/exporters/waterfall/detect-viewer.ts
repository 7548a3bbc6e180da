import { request } from 'node:http';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '../../internal/sdk-core.js';

/**
 * Finding a running `tracelight view`, so the console waterfall can link each trace to it.
 * @internal
 */

/** Where `tracelight view` listens: the OTLP/HTTP port on loopback. */
export const DEFAULT_VIEWER_URL = 'http://127.0.0.1:4318';
/** How long the one check waits for an answer (loopback answers in about a millisecond). */
const DETECT_TIMEOUT_MILLIS = 1000;

/**
 * Asks `base` once whether a `tracelight view` answers there: `GET /v1/traces` is the viewer's
 * own listing (OTLP JSON, status 200; asked for the invalid all-zero trace id, so the answer is
 * empty however much the viewer holds), which an OpenTelemetry collector on the same port does
 * not serve (it answers 404 or 405), so a collector is not taken for a viewer. Calls `found`
 * only then. The body is not read (the socket is closed on the status line), tracing is
 * suppressed so the check makes no span, the socket is unref'ed so it never holds the process
 * open, and nothing it meets (refused, timeout, a bad URL) is thrown or reported: no viewer is
 * the usual case.
 */
export function detectViewer(base: string, found: (url: string) => void): void {
  try {
    context.with(suppressTracing(context.active()), () => {
      const req = request(
        `${base}/v1/traces?traceId=00000000000000000000000000000000`,
        { method: 'GET', agent: false, headers: { accept: 'application/json' }, timeout: DETECT_TIMEOUT_MILLIS },
        (res) => {
          const type = String(res.headers['content-type'] ?? '');
          const isViewer = res.statusCode === 200 && type.includes('json');
          res.destroy();
          req.destroy();
          if (isViewer) found(base);
        },
      );
      req.on('socket', (socket) => socket.unref());
      req.on('timeout', () => req.destroy());
      req.on('error', () => {
        // Nothing listens, or not a viewer: no link.
      });
      req.end();
    });
  } catch {
    // A malformed URL: no link.
  }
}

import { errorOnce, warnOnce } from '../../internal/diag.js';
import { checkAssumptions } from '../../internal/node-assumptions.js';
import { processState, THIS_COPY } from '../../internal/process-state.js';
import { describeError } from '../../internal/safe-call.js';
import { disableFetchClient, enableFetchClient } from './client-fetch.js';
import { disableHttpClient, enableHttpClient } from './client-http.js';
import type { HttpInstrumentationOptions } from './options.js';
import { resolveHttpOptions } from './options.js';
import { disableServerPatch, enableServerPatch } from './server-patch.js';

let activeToken: object | undefined;

/**
 * Traces every incoming request of every `http`/`https` server (SERVER spans, active for the
 * handler) and every outgoing `http.request`/`https.request`/`fetch` (CLIENT spans, with
 * `traceparent`/`tracestate`/`baggage` added through the global propagator). Works under any
 * OpenTelemetry tracer provider, ESM or CommonJS, whatever was imported first, with no loader
 * flag: it wraps methods of Node's shared prototypes and subscribes to `diagnostics_channel`.
 *
 * Calling it again replaces the options (and warns once). One instrumentation per process: when
 * another copy of tracelight (its other build, a preload) has enabled it, that one is disabled
 * first, so requests are never traced twice. Returns `disable()`, which stops the
 * instrumentation (spans already open still end); a `disable` from an older call does nothing.
 * Never throws.
 *
 * @example
 * ```ts
 * import { enableHttpInstrumentation } from 'tracelight/http';
 * const disable = enableHttpInstrumentation({ ignoreIncoming: ['/healthz'] });
 * ```
 */
export function enableHttpInstrumentation(options?: HttpInstrumentationOptions): () => void {
  try {
    const resolved = resolveHttpOptions(options);
    checkAssumptions('clientRequestStoreHeader', 'emitterEventsObject', 'httpServerPrototypes', 'channelSubscribers');
    const previous = processState.http;
    if (previous !== undefined) {
      warnOnce('http.enable.twice', 'enableHttpInstrumentation() was called again (by this code or another copy of tracelight); the new options replace the previous ones.');
      if (previous.copy !== THIS_COPY) previous.disable();
    }
    enableServerPatch(resolved);
    enableHttpClient(resolved);
    enableFetchClient(resolved);
    const token = {};
    activeToken = token;
    const disable = function disableHttpInstrumentation(): void {
      if (activeToken !== token) return;
      activeToken = undefined;
      if (processState.http?.disable === disable) processState.http = undefined;
      try {
        disableServerPatch();
        disableHttpClient();
        disableFetchClient();
      } catch (err) {
        errorOnce('http.disable', `could not fully disable the http instrumentation (${describeError(err)}).`);
      }
    };
    processState.http = { copy: THIS_COPY, disable };
    return disable;
  } catch (err) {
    errorOnce('http.enable', `could not enable the http instrumentation (${describeError(err)}); http is not traced.`);
    return function disableHttpInstrumentation(): void {};
  }
}

/** Whether {@link enableHttpInstrumentation} is in effect, from any copy of tracelight (for `init()` and tests). */
export function isHttpInstrumentationEnabled(): boolean {
  return processState.http !== undefined;
}

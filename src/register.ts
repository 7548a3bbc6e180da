/**
 * Starts tracing from the environment alone, before the application's own code runs:
 *
 * ```sh
 * OTEL_SERVICE_NAME=checkout-api node --import tracelight/register app.mjs
 * OTEL_SERVICE_NAME=checkout-api node --require tracelight/register app.cjs
 * ```
 *
 * Every setting comes from the standard `OTEL_*` variables; the application then uses
 * `withSpan()` (or any OpenTelemetry instrumentation) as usual. HTTP and Express apps are instrumented too, since a
 * preloaded tracer is expected to see requests without code changes; choose with
 * `OTEL_NODE_ENABLED_INSTRUMENTATIONS` / `OTEL_NODE_DISABLED_INSTRUMENTATIONS` (e.g. `http`).
 * @module
 */
import { preloadInstrumentations } from './config/preload.js';
import { init } from './init.js';

init({ instrumentations: preloadInstrumentations() });

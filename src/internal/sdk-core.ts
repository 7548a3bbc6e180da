/**
 * The one module that imports `@opentelemetry/core`, in either OpenTelemetry generation (2.x with
 * `@opentelemetry/api` 1.9, 3.x with api 1.10): everything else imports these names from here, so
 * moving to the next generation is a change to this file and package.json.
 *
 * Kept apart from `sdk.ts` (the trace SDK and resources) because the `tracelight/http` entry and
 * the propagators need core only, and must not load the trace SDK.
 * @internal
 */
export { ExportResultCode, getRPCMetadata, isAttributeValue, isTracingSuppressed, RPCType, setRPCMetadata, suppressTracing } from '@opentelemetry/core';
export type { ExportResult, InstrumentationScope, RPCMetadata } from '@opentelemetry/core';

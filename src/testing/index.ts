/**
 * Helpers for tests of code traced with tracelight: spans kept in memory, and views of them easy
 * to assert on. Test-framework agnostic (vitest, jest, `node:test`).
 * @module
 */
export { setupTestTracing } from './setup-test-tracing.js';
export { toPlainSpan, buildTree } from './plain-span.js';
export type { TestTracing, TestTracingOptions } from './setup-test-tracing.js';
export type { PlainSpan, SpanTree } from './plain-span.js';
export type { RedactOptions } from '../span/redact.js';

/**
 * HTTP server and client instrumentation.
 * @module
 */
export {};

/**
 * tracelight: lightweight distributed tracing for Node.js.
 * @module
 */
export const VERSION = '0.1.0';

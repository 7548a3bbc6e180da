/**
 * `node --import tracelight/register` / `node --require tracelight/register`: starts tracing from
 * the environment alone.
 * @module
 */
export {};

/** tracelight's version, recorded as `telemetry.distro.version` and the tracer's scope version. */
export const VERSION = '0.1.0';

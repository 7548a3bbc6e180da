/**
 * Where `exporter: 'viewer'` sends: the local viewer (`npx tracelight view`), OTLP/HTTP protobuf
 * on loopback port 4318.
 */
export const VIEWER_TRACES_URL = 'http://127.0.0.1:4318/v1/traces';

/** What an export failure to the viewer tells the user to do. */
export const VIEWER_HINT = "start the viewer with `npx tracelight view` (it listens on 127.0.0.1:4318), or choose another exporter";

/**
 * How long spans wait before they go to the viewer, at most: the viewer is a live view, so the
 * batch delay (5 s by default) is shortened for it.
 */
export const VIEWER_MAX_DELAY_MILLIS = 200;

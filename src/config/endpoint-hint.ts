import type { EndpointSetting } from './resolve.js';

/** How the user changes where spans go, in the terms of the setting they used (for export failure messages). */
export function endpointHint(setting: EndpointSetting): string {
  switch (setting) {
    case 'otlp.endpoint':
      return 'change otlp.endpoint in init() (the full traces URL, e.g. http://collector:4318/v1/traces)';
    case 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT':
      return 'fix OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full traces URL)';
    case 'OTEL_EXPORTER_OTLP_ENDPOINT':
      return 'fix OTEL_EXPORTER_OTLP_ENDPOINT (a base URL: /v1/traces is appended)';
    default:
      return "point tracelight at yours with OTEL_EXPORTER_OTLP_ENDPOINT=http://host:4318 (or init({ otlp: { endpoint } })); exporter 'console' prints traces in the terminal instead";
  }
}

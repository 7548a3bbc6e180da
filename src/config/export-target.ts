import { VIEWER_HINT, VIEWER_TRACES_URL } from '../exporters/viewer-endpoint.js';
import { endpointHint } from './endpoint-hint.js';
import type { ResolvedConfig } from './resolve.js';

/** Where spans go over OTLP, for diagnose()'s probe: the collector, else the local viewer. */
export interface ExportTarget {
  url: string;
  protocol: ResolvedConfig['otlp']['protocol'];
  headers: Record<string, string>;
  timeoutMillis: number;
  endpointHint: string;
}

/** The OTLP endpoint of `config` (`exporter: 'otlp'`), else the viewer's (`'viewer'`), else none. */
export function exportTargetOf(config: ResolvedConfig): ExportTarget | undefined {
  if (config.exporters.includes('otlp')) {
    const o = config.otlp;
    return { url: o.endpoint, protocol: o.protocol, headers: o.headers, timeoutMillis: o.timeoutMillis, endpointHint: endpointHint(o.endpointSetting) };
  }
  if (config.exporters.includes('viewer')) {
    return { url: VIEWER_TRACES_URL, protocol: 'http/protobuf', headers: {}, timeoutMillis: config.otlp.timeoutMillis, endpointHint: VIEWER_HINT };
  }
  return undefined;
}

import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';

/** Installs a `diag` logger that records warnings and errors (what users would see); returns the list. */
export function captureDiag(level: DiagLogLevel = DiagLogLevel.WARN): string[] {
  const messages: string[] = [];
  const log = (m: string, ...args: unknown[]) => void messages.push(args.length ? `${m} ${args.map(String).join(' ')}` : m);
  const logger: DiagLogger = { error: log, warn: log, info: log, debug: log, verbose: log };
  diag.setLogger(logger, { logLevel: level, suppressOverrideMessage: true });
  return messages;
}

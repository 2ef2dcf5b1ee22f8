/** Structured logs: one JSON object a line, with the node id bound by the caller. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(bindings: Record<string, unknown> = {}, level?: string): Logger {
  return pino({
    level: level ?? process.env['RAVEL_LOG_LEVEL'] ?? 'info',
    base: bindings,
  });
}

/** A logger that writes nothing, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });

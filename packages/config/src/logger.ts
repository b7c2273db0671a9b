import { pino, type Logger } from 'pino';
import type { LogLevel } from './env.js';

export type { Logger } from 'pino';

/**
 * Paths whose values never reach a log line: credentials in headers, and any field that
 * could carry a key or token.
 */
const REDACTED = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'token',
  'apiKey',
  'secret',
  'password',
  '*.token',
  '*.secret',
  '*.password',
];

/**
 * A JSON logger (pino) for one process. `base.service` tells API lines from worker lines.
 *
 * @example const log = createLogger({ level: 'info', service: 'api' }); log.info({ runId }, 'run created');
 */
export function createLogger(options: { level: LogLevel; service: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, pid: process.pid },
      redact: { paths: REDACTED, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}

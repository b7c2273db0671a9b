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

/** What a logged error keeps: its class, message and code, and its causes' — never its stack. */
interface LoggedError {
  type: string;
  message: string;
  code?: string;
  cause?: LoggedError;
}

/**
 * The `err` field of a log line. Stack traces never reach a log line (they name files and
 * internals an operator cannot act on); the message and code say what failed, the causes why.
 */
export function serializeError(value: unknown, depth = 0): LoggedError | unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  const logged: LoggedError = { type: value.name, message: value.message };
  if (typeof code === 'string' || typeof code === 'number') logged.code = String(code);
  if (value.cause !== undefined && depth < 5) {
    const cause = serializeError(value.cause, depth + 1);
    if (cause && typeof cause === 'object' && 'message' in cause) logged.cause = cause as LoggedError;
  }
  return logged;
}

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
      serializers: { err: serializeError, error: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}

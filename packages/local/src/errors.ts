/**
 * Errors raised by `@runq/local`. Each has a stable `code` so callers (the `runq` command, the
 * test harness) can branch on it without matching message text, and each message is one line
 * that says what to do, except where the server's last log lines are appended for diagnosis.
 */

/** Stable codes of the errors this package raises. */
export type LocalServerErrorCode =
  | 'cluster_in_use'
  | 'cluster_state_invalid'
  | 'server_start_failed'
  | 'redis_not_installed'
  | 'chromium_not_installed'
  | 'invalid_database_name'
  | 'template_in_use';

/** Base class of every error raised by this package. */
export class LocalServerError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: LocalServerErrorCode;

  constructor(code: LocalServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The persistent cluster's `postmaster.pid` names a live PostgreSQL server: another `runq start`
 * (or a server left running) owns the data directory. Starting a second postmaster there would
 * fail anyway, with a far less readable message.
 */
export class ClusterInUseError extends LocalServerError {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      'cluster_in_use',
      `PostgreSQL data directory ${dataDir} is already in use by a running server (pid ${pid}); stop that server or use another directory`,
    );
  }
}

/**
 * The data directory or its state file is not what this package created: a directory that is
 * not a cluster, or a cluster whose credentials file is missing or unreadable. Nothing is
 * deleted automatically, because the directory may hold someone's data.
 */
export class ClusterStateError extends LocalServerError {
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('cluster_state_invalid', `${path}: ${detail}`, options);
  }
}

/**
 * A server process exited, or did not report readiness in time, during start. The message's
 * first line says which and why; the last lines of the server's output follow it, because that
 * is where the actual reason (bad permissions, port taken, corrupt data) is printed.
 */
export class ServerStartError extends LocalServerError {
  constructor(
    readonly server: string,
    reason: string,
    readonly logTail: readonly string[],
    options?: { cause?: unknown },
  ) {
    const tail = logTail.length > 0 ? `\nlast output of ${server}:\n  ${logTail.join('\n  ')}` : '';
    super('server_start_failed', `${server} failed to start: ${reason}${tail}`, options);
  }
}

/** `redis-server` is not installed and this process cannot (or failed to) install it. */
export class RedisNotInstalledError extends LocalServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('redis_not_installed', message, options);
  }
}

/** `chromium` is not installed and this process cannot (or failed to) install it. */
export class ChromiumNotInstalledError extends LocalServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('chromium_not_installed', message, options);
  }
}

/** A database name PostgreSQL would reject or silently truncate (empty, NUL, over 63 bytes). */
export class InvalidDatabaseNameError extends LocalServerError {
  constructor(
    readonly databaseName: string,
    reason: string,
  ) {
    super('invalid_database_name', `invalid database name ${JSON.stringify(databaseName)}: ${reason}`);
  }
}

/**
 * `CREATE DATABASE … TEMPLATE t` failed because sessions are connected to `t`. PostgreSQL
 * waits 5 s for them to go away and then gives up; the fix is on the caller's side (end the
 * pool that migrated the template before cloning it).
 */
export class TemplateInUseError extends LocalServerError {
  constructor(
    readonly template: string,
    options?: { cause?: unknown },
  ) {
    super('template_in_use', `template database "${template}" has open connections; close them (end the pool that prepared it) before cloning it`, options);
  }
}

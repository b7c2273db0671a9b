import pg from 'pg';

import { InvalidDatabaseNameError, TemplateInUseError } from './errors.js';

/** PostgreSQL's identifier limit (NAMEDATALEN - 1); longer names are silently truncated. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Quotes `name` as an SQL identifier: wrapped in double quotes, embedded quotes doubled. Names
 * PostgreSQL would reject or silently truncate (empty, containing NUL, over 63 bytes) are
 * refused, so the database created is always the one the returned URL names.
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new InvalidDatabaseNameError(name, 'it is empty');
  if (name.includes('\0')) throw new InvalidDatabaseNameError(name, 'it contains a NUL character');
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new InvalidDatabaseNameError(name, `it is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Runs `work` with a short-lived client connected to `url` (the server's maintenance database),
 * and always closes it. A plain client rather than a pool: these are one-statement operations,
 * and an idle pooled connection would linger on the server.
 */
export async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: 'runq-local' });
  // Without a listener, a connection dropped by the server (e.g. during shutdown) would be an
  // uncaught 'error' event; the failing query reports the problem anyway.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `CREATE DATABASE name [TEMPLATE template]`. With a template, the new database is a copy of it
 * (schema and rows), which is how tests get a migrated database in milliseconds instead of
 * migrating each one. PostgreSQL refuses to copy a template that has sessions connected; that
 * failure becomes a {@link TemplateInUseError} saying so.
 */
export async function createDatabaseOn(adminUrl: string, name: string, template?: string): Promise<void> {
  const statement = `CREATE DATABASE ${quoteIdentifier(name)}${template === undefined ? '' : ` TEMPLATE ${quoteIdentifier(template)}`}`;
  await withAdminClient(adminUrl, async (client) => {
    try {
      await client.query(statement);
    } catch (error) {
      // 55006 object_in_use: "source database … is being accessed by other users".
      if (template !== undefined && (error as { code?: unknown }).code === '55006') throw new TemplateInUseError(template, { cause: error });
      throw error;
    }
  });
}

/** True when database `name` exists on the server. */
export async function databaseExistsOn(adminUrl: string, name: string): Promise<boolean> {
  return withAdminClient(adminUrl, async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    return (found.rowCount ?? 0) > 0;
  });
}

/**
 * `DROP DATABASE IF EXISTS name WITH (FORCE)`: terminates the sessions connected to it first
 * (PostgreSQL 13+), so a test's leftover pool cannot block its teardown. Dropping a database
 * that does not exist is not an error, so teardown can run after a failed setup.
 */
export async function dropDatabaseOn(adminUrl: string, name: string): Promise<void> {
  const statement = `DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`;
  await withAdminClient(adminUrl, async (client) => {
    await client.query(statement);
  });
}

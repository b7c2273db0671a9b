import { CompiledQuery } from 'kysely';
import type { Db } from './database.js';

/*
 * Session-level advisory locks and the session state around them. Locks are taken, and settings
 * applied, on a dedicated session (`openSessionConnection`): a session lock belongs to the
 * session that took it and is released when that session ends, whoever ends it. Looking up a
 * lock's holder works from any connection. The statements are fixed text (the builder has no
 * form for Postgres's lock functions or `set_config` over a list).
 */

/**
 * An advisory lock key: one `bigint`, or two `integer`s (namespace, id). The two forms are
 * separate key spaces in Postgres, so a pair never collides with a single key.
 */
export type AdvisoryLockKey = bigint | readonly [number, number];

const TRY_LOCK_BIGINT = `
-- Takes a session-level advisory lock unless another session holds it.
-- $1: the key (bigint). Returns: one row, locked = true when this session now holds it.
select pg_try_advisory_lock($1::bigint) as locked`;

const TRY_LOCK_PAIR = `
-- Takes a session-level advisory lock on a two-integer key unless another session holds it.
-- $1: first key (namespace), $2: second key (integer). Returns: one row, locked = true when
-- this session now holds it.
select pg_try_advisory_lock($1::integer, $2::integer) as locked`;

const LOCK_HOLDER_PAIR = `
-- The server process holding a two-integer advisory lock in this database.
-- $1: first key (namespace), $2: second key. Returns: pid of the holding session, or no row.
select l.pid
from pg_locks as l
where l.locktype = 'advisory' and l.granted and l.objsubid = 2
  and l.database = (select oid from pg_database where datname = current_database())
  and l.classid::bigint = $1::bigint and l.objid::bigint = $2::bigint
limit 1`;

const APPLY_SETTINGS = `
-- Sets configuration parameters for the rest of this session (not only this transaction).
-- $1: parameter names (text[]), $2: their values (text[], same order). Returns: one row per parameter.
select set_config(s.name, s.value, false) as value
from unnest($1::text[], $2::text[]) as s(name, value)`;

const TOUCH_SESSION = `
-- Proves the session answers (and restarts its idle_session_timeout). No parameters. Returns: one row.
select 1 as alive`;

async function rows<Row>(db: Db, text: string, parameters: readonly unknown[]): Promise<Row[]> {
  return (await db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]))).rows;
}

/**
 * Takes `key` for the session `db` runs on, unless another session holds it; true when this
 * session holds it now. The lock lasts until the session ends. Taking a lock the session
 * already holds succeeds again.
 */
export async function tryAdvisoryLock(db: Db, key: AdvisoryLockKey): Promise<boolean> {
  const [row] =
    typeof key === 'bigint'
      ? await rows<{ locked: boolean }>(db, TRY_LOCK_BIGINT, [key.toString()])
      : await rows<{ locked: boolean }>(db, TRY_LOCK_PAIR, [key[0], key[1]]);
  return row?.locked === true;
}

/** The server process id of the session holding the two-integer lock `key` in this database, if any. */
export async function findAdvisoryLockHolder(db: Db, key: readonly [number, number]): Promise<number | undefined> {
  const [row] = await rows<{ pid: number }>(db, LOCK_HOLDER_PAIR, [key[0], key[1]]);
  return row?.pid;
}

/**
 * Sets configuration parameters (`name` → value, as Postgres reads them from text) for the rest
 * of the session. Fails as a whole on a parameter the server does not know.
 */
export async function applySessionSettings(db: Db, settings: Readonly<Record<string, string>>): Promise<void> {
  const entries = Object.entries(settings);
  if (entries.length === 0) return;
  await rows(db, APPLY_SETTINGS, [entries.map(([name]) => name), entries.map(([, value]) => value)]);
}

/** Resolves once the session has answered a trivial query (a heartbeat). */
export async function touchSession(db: Db): Promise<void> {
  await rows(db, TOUCH_SESSION, []);
}

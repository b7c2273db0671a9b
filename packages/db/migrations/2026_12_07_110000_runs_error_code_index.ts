import { sql, type Kysely } from 'kysely';

/**
 * Index of a project's runs by error code, newest first, for the `error_code` filter of
 * `GET /runs` and of bulk actions (a dead letter group's replay): like every listing filter, an
 * index ending in `id DESC`. Partial: only runs with an error code are in it.
 *
 * A plain CREATE INDEX blocks writes to `runs` while it builds; on a large installation, create
 * `runs_project_error_code_idx` by hand with CREATE INDEX CONCURRENTLY before upgrading, and this
 * migration then finds it and does nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists runs_project_error_code_idx on runs (project_id, (error->>'code'), id desc) where error->>'code' is not null`.execute(
    db,
  );
}

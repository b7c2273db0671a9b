import { sql, type Kysely } from 'kysely';

/**
 * A run's `request_hash` only serves a replayed `public_id` (same body: the existing run; a
 * different body: 409), so from now on it is stored only for runs created with a `public_id`.
 * Hashing every body (canonical JSON, then SHA-256) was 3 % of the API's CPU per `POST /runs`
 * in the bench, where no run has one. The check keeps what idempotency needs: a run with a
 * `public_id` has its hash. It is added `not valid` and then validated, so the existing rows are
 * read without blocking writes (every one of them has a hash).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('runs')
    .alterColumn('request_hash', (column) => column.dropNotNull())
    .execute();
  await sql`alter table runs add constraint runs_public_id_hashed check (public_id is null or request_hash is not null) not valid`.execute(db);
  await sql`alter table runs validate constraint runs_public_id_hashed`.execute(db);
}

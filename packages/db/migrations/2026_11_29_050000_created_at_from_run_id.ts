import { sql, type Kysely } from 'kysely';

/**
 * A run's `created_at` is its id's time part from now on (the API sets it so), and a listing's
 * creation-time window is read as a range of ids (`runIdRange`): `runs_project_idx` and the
 * other indexes ending in `id DESC` give the page in listing order and stop after it. Reading
 * the window through `runs_project_created_idx` instead fetched every run in it and sorted them:
 * a cost that grew with the runs in the window (2.9 ms of PostgreSQL per page for a 1-hour
 * window of a million runs over 30 days, against 1.4 ms for an unfiltered page), and one more
 * index for every run's three transitions to maintain.
 *
 * Runs stored before carried the time the API read just before making their id, which is the
 * id's time unless the clock stepped back meanwhile; those few are realigned here, so the
 * window stays exact for them. The id's time is decoded from its 10 Crockford base-32
 * characters after `run_` (this reads every run once: seconds per million).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update runs as r
       set created_at = timestamptz 'epoch' + d.ms * interval '1 millisecond'
      from (select id,
                   (select sum((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(id, 5 + i, 1)) - 1)::bigint * (1::bigint << (5 * (9 - i))))
                      from generate_series(0, 9) as i) as ms
              from runs) as d
     where r.id = d.id
       and r.created_at <> timestamptz 'epoch' + d.ms * interval '1 millisecond'`.execute(db);
  await db.schema.dropIndex('runs_project_created_idx').ifExists().execute();
}

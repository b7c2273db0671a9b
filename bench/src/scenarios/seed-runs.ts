import type pg from 'pg';

/**
 * Synthetic runs for the reads scenario, made by one INSERT … SELECT over generate_series in
 * runq's own schema (so every index is maintained as in production), then VACUUM ANALYZE (what
 * autovacuum would have done to a table of that age).
 *
 * Shape of the data, one row per `g` in 1..N, oldest first, spread over 30 days:
 * - ids are `run_` + a ULID of `created_at` (time part) and md5(g) (random part), so they sort
 *   by creation time as runq's own ids do;
 * - one run in four belongs to the bench's project, the others to nine other projects;
 * - kinds: 70 % task, 20 % workflow, 10 % eval; statuses: 90 % completed, 5 % failed, 2 %
 *   pending, 1 % running, 1 % waiting, 1 % cancelled;
 * - task runs come in batches (`batch_id`) of 100 consecutive runs; one run in a hundred is a
 *   child (`parent_run_id`, `root_run_id`) of a run of the same project four rows before it.
 */
export const SEED_SPAN_MS = 30 * 24 * 3600 * 1000;

const ALPHABET = "'0123456789ABCDEFGHJKMNPQRSTVWXYZ'";

/**
 * SQL for the ULID text of `ms` (bigint, the time part) and `n` (bigint, hashed into the 80-bit
 * random part), as an inline expression: 26 Crockford base-32 characters.
 */
function ulidExpression(ms: string, n: string): string {
  const parts: string[] = [];
  for (let i = 0; i < 10; i += 1) parts.push(`substr(${ALPHABET}, ((${ms} >> ${5 * (9 - i)}) & 31)::int + 1, 1)`);
  for (let i = 0; i < 16; i += 1) {
    const word = Math.floor(i / 6);
    parts.push(`substr(${ALPHABET}, ((hashint8(${n} + ${word * 1_000_000_000_000}) >> ${5 * (i % 6)}) & 31) + 1, 1)`);
  }
  return `'run_' || ${parts.join(' || ')}`;
}

/**
 * Inserts `count` runs, `projectId` owning one in four, on `parallel` connections at once (the
 * expressions are CPU-bound in PostgreSQL); returns how long it took (ms).
 */
export async function seedRuns(connect: () => Promise<pg.Client>, count: number, projectId: string, parallel = 2): Promise<number> {
  const started = performance.now();
  const client = await connect();
  try {
    // Indexes are built after the rows are in (what a restore does): the same indexes, built
    // from sorted input instead of maintained row by row.
    const indexes = await client.query<{ name: string; definition: string }>(
      `select i.indexname as name, i.indexdef as definition
         from pg_indexes i
         left join pg_constraint c on c.conname = i.indexname and c.conrelid = 'public.runs'::regclass
        where i.schemaname = 'public' and i.tablename = 'runs' and c.oid is null`,
    );
    for (const index of indexes.rows) await client.query(`drop index public."${index.name}"`);
    await insertRows(connect, count, projectId, parallel);
    await client.query(`set maintenance_work_mem = '256MB'`);
    for (const index of indexes.rows) await client.query(index.definition);
    await client.query('vacuum (analyze) runs');
  } finally {
    await client.end();
  }
  return performance.now() - started;
}

async function insertRows(connect: () => Promise<pg.Client>, count: number, projectId: string, parallel: number): Promise<void> {
  const t0 = Date.now() - SEED_SPAN_MS;
  const others = Array.from({ length: 9 }, (_, k) => `md5('bench-project-${k}')::uuid`).join(', ');
  const insert = `insert into runs (id, project_id, kind, status, executor, owner_kind, owner_id, request_hash, request,
                       parent_run_id, root_run_id, metadata, target, workflow_id, batch_id, config, output, error,
                       duration_ms, trigger_kind, created_by, attempt, event_seq, job_id,
                       created_at, updated_at, started_at, completed_at)
     select id, project_id, kind, status, 'worker', 'project', project_id, md5(g::text),
            jsonb_build_object('kind', kind, 'owner', jsonb_build_object('kind', 'project', 'id', project_id),
                               'request', jsonb_build_object('target', coalesce(target, workflow_id), 'name', 'seed')),
            parent_id, coalesce(parent_id, id), '{"name":"seed"}'::jsonb, target, workflow_id,
            case when kind = 'task' then md5('batch' || (g / 100))::uuid end,
            jsonb_build_object('seq', g),
            case when status = 'completed' then '{"ok":true}'::jsonb end,
            case when status = 'failed' then '{"message":"boom","code":"bench"}'::jsonb end,
            case when status in ('completed', 'failed', 'cancelled') then 20 end,
            'api', 'api_key:seed', case when status = 'pending' then 0 else 1 end,
            case when status = 'pending' then 1 when status in ('running', 'waiting') then 2 else 3 end, id,
            created, created + interval '30 millisecond',
            case when status <> 'pending' then created + interval '5 millisecond' end,
            case when status in ('completed', 'failed', 'cancelled') then created + interval '25 millisecond' end
       from (select g, ${ulidExpression('ms', 'g')} as id,
                    case when g % 100 = 8 and g - 4 >= $4 then ${ulidExpression('prev_ms', 'g - 4')} end as parent_id,
                    to_timestamp(ms / 1000.0) as created,
                    case when g % 4 = 0 then $2::uuid else (array[${others}])[g % 9 + 1] end as project_id,
                    case when g % 10 < 7 then 'task' when g % 10 < 9 then 'workflow' else 'eval' end as kind,
                    case when g % 10 < 7 then 'noop' when g % 10 = 9 then 'eval-' || (g % 7) end as target,
                    case when g % 10 between 7 and 8 then 'wf-' || (g % 20) end as workflow_id,
                    case when g % 100 < 90 then 'completed' when g % 100 < 95 then 'failed' when g % 100 < 97 then 'pending'
                         when g % 100 = 97 then 'running' when g % 100 = 98 then 'waiting' else 'cancelled' end as status
               from (select g, t0 + (g * $3::bigint) / $1 as ms, t0 + ((g - 4) * $3::bigint) / $1 as prev_ms
                       from generate_series($4::bigint, $5::bigint) as g,
                            (select $6::bigint as t0) as base
                     offset 0) as numbered
             -- OFFSET 0 keeps each computed column evaluated once per row (not once per reference).
             offset 0) as seeded`;
  const slice = Math.ceil(count / parallel);
  await Promise.all(
    Array.from({ length: parallel }, async (_, i) => {
      const from = i * slice + 1;
      const to = Math.min(count, (i + 1) * slice);
      if (from > to) return;
      const worker = await connect();
      try {
        await worker.query(insert, [count, projectId, SEED_SPAN_MS, from, to, t0]);
      } finally {
        await worker.end();
      }
    }),
  );
}

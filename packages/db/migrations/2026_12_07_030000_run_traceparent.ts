import { type Kysely } from 'kysely';

/**
 * `runs.traceparent`: the W3C trace context of the span that created and dispatched the run, so
 * that every attempt a worker makes joins the run's one trace. A queue job carries only the run
 * id; the context lives with the run, and a retry, a resume or a re-dispatch by the reconciler
 * finds it there. Null when the run was created with tracing off.
 *
 * A nullable column without a default: adding it rewrites nothing and takes a brief lock only.
 * No index: it is read only with the row (see docs/decisions/0016-tracing.md).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').addColumn('traceparent', 'text').execute();
}

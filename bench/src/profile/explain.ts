import type { Database, Db } from '@runq/db';
import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from 'kysely';
import type pg from 'pg';

/** A statement as runq sends it: SQL text and bind values. */
export interface CapturedQuery {
  sql: string;
  parameters: readonly unknown[];
}

/** A Kysely driver that executes nothing and records what it was asked to run. */
class CapturingDriver implements Driver {
  readonly captured: CapturedQuery[] = [];

  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    const captured = this.captured;
    return {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        captured.push({ sql: query.sql, parameters: query.parameters });
        return { rows: [] };
      },
      // eslint-disable-next-line require-yield
      async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
        throw new Error('not supported');
      },
    };
  }
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/**
 * The first statement `work` sends through a run-store function (`insertRun`, `listRuns`,
 * `transitionRun`, …), captured rather than executed, so the bench can EXPLAIN exactly the SQL
 * runq runs without copying it.
 */
export async function captureQuery(work: (db: Db) => Promise<unknown>): Promise<CapturedQuery> {
  const driver = new CapturingDriver();
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (inner) => new PostgresIntrospector(inner),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  await work(db).catch(() => undefined);
  await db.destroy();
  const first = driver.captured[0];
  if (!first) throw new Error('the function sent no statement');
  return first;
}

/**
 * `EXPLAIN (ANALYZE, BUFFERS)` of a captured statement. With `rollback`, it runs inside a
 * transaction that is rolled back (for writes), after `setup` statements in the same transaction.
 */
export async function explainAnalyze(client: pg.Client, query: CapturedQuery, options: { rollback?: boolean; setup?: CapturedQuery[] } = {}): Promise<string> {
  if (options.rollback) await client.query('begin');
  try {
    for (const statement of options.setup ?? []) await client.query(statement.sql, [...statement.parameters]);
    const result = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${query.sql}`, [...query.parameters]);
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    if (options.rollback) await client.query('rollback');
  }
}

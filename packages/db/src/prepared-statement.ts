import { CompiledQuery } from 'kysely';
import type { Db } from './database.js';

import { registerStatementName } from './prepared-statement-names.js';

export { preparedStatementName } from './prepared-statement-names.js';

/**
 * A statement with fixed text that each pooled connection parses once and then executes by
 * name: Postgres keeps its plan instead of parsing and planning it again on every call (which
 * costs as much as executing runq's batched writes: docs/decisions/0002-plans-of-run-writes.md).
 * Only for the hottest statements: every connection keeps every prepared statement it has run.
 *
 * Its text must not select `*`: a prepared statement's result columns are fixed when it is
 * prepared, and a column added by a later migration would fail it with "cached plan must not
 * change result type". Name the columns instead.
 *
 * @example const byId = new PreparedStatement<{ id: string }>('runq_find_id', 'select id from runs where id = $1');
 *          const rows = await byId.execute(db, [runId]);
 */
export class PreparedStatement<Row> {
  constructor(
    readonly name: string,
    readonly text: string,
  ) {
    registerStatementName(text, name);
  }

  /** Runs the statement on `db` (a pool or a transaction) with positional parameters. */
  async execute(db: Db, parameters: readonly unknown[]): Promise<Row[]> {
    const result = await db.executeQuery<Row>(CompiledQuery.raw(this.text, [...parameters]));
    return result.rows;
  }
}

import type { BenchServers } from '../env/servers.js';
import type { StatementStat } from '../report/results.js';

/**
 * pg_stat_statements over a window: reset at the start of a section, read at its end, so each
 * section reports where PostgreSQL spent its time. Execution time only: the commit's WAL flush
 * of an autocommitted statement is not part of it.
 */
export class PgStatements {
  constructor(private readonly servers: BenchServers) {}

  async reset(): Promise<void> {
    await this.servers.withClient(this.servers.pg.url, (client) => client.query('select pg_stat_statements_reset()'));
  }

  /**
   * The share of all statement time in `databaseUrl`'s database spent in statements that call a
   * function of `schema` (on the PostgreSQL queue backend, BullMQ's functions in `bullmq`);
   * undefined when the schema has no functions or no statement ran.
   */
  async shareCallingSchema(databaseUrl: string, schema: string): Promise<number | undefined> {
    const names = await this.servers.withClient(databaseUrl, async (client) => {
      const result = await client.query<{ proname: string }>('select distinct proname from pg_proc where pronamespace = $1::regnamespace', [schema]);
      return result.rows.map((row) => row.proname);
    });
    if (names.length === 0) return undefined;
    const database = new URL(databaseUrl).pathname.slice(1);
    // A call is one of the names at a word start followed by "(" (names are plain identifiers).
    const calling = String.raw`\m(` + names.join('|') + String.raw`)\(`;
    return this.servers.withClient(this.servers.pg.url, async (client) => {
      const result = await client.query<{ share: number | null }>(
        `select sum(s.total_exec_time) filter (where s.query ~* $2) / nullif(sum(s.total_exec_time), 0) as share
           from pg_stat_statements s join pg_database d on d.oid = s.dbid
          where d.datname = $1`,
        [database, calling],
      );
      const share = result.rows[0]?.share;
      return share === null || share === undefined ? undefined : Number(share);
    });
  }

  /** The top statements by total execution time in each of `databases`. */
  async top(databases: readonly string[], perDatabase = 8): Promise<StatementStat[]> {
    return this.servers.withClient(this.servers.pg.url, async (client) => {
      const result = await client.query<{ datname: string; query: string; calls: string; total: number; mean: number; rows: string; share: number }>(
        `with s as (
           select d.datname, s.query, s.calls, s.total_exec_time as total, s.mean_exec_time as mean, s.rows,
                  s.total_exec_time / nullif(sum(s.total_exec_time) over (partition by d.datname), 0) as share,
                  row_number() over (partition by d.datname order by s.total_exec_time desc) as rank
             from pg_stat_statements s join pg_database d on d.oid = s.dbid
            where d.datname = any($1::text[]))
         select * from s where rank <= $2 order by datname, total desc`,
        [databases, perDatabase],
      );
      return result.rows.map((row) => ({
        database: row.datname,
        query: row.query.replace(/\s+/g, ' ').slice(0, 400),
        calls: Number(row.calls),
        totalMs: Math.round(row.total),
        meanMs: Math.round(row.mean * 1000) / 1000,
        rows: Number(row.rows),
        share: Number(row.share ?? 0),
      }));
    });
  }
}

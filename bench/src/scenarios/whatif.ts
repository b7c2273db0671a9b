import { randomUUID } from 'node:crypto';
import { RowBuilder, withCpu, type Lab } from '../lab.js';
import { LoadClient } from '../load/load-client.js';
import type { ProducerSpec } from '../load/protocol.js';
import { migrateRunq } from '../env/processes.js';
import type { Section } from '../report/results.js';

/**
 * Secondary indexes kept by the "lean" schema: the primary key, the idempotency key, the
 * project listing and the reconciler's partial index. The others (status, kind, owner, batch,
 * parent, root, project+status, project+kind) are dropped to show what maintaining them costs
 * per run; it is a measurement, not a proposal to drop them all.
 */
const LEAN_KEEPS = new Set(['runs_pkey', 'runs_public_id_key', 'runs_project_idx', 'runs_unfinished_idx']);

type Variant = Extract<ProducerSpec, { kind: 'sql-whatif' }>['variant'];

interface Experiment {
  variant: Variant;
  batch: number;
  concurrency: number;
  label: string;
}

const EXPERIMENTS: Experiment[] = [
  { variant: 'insert', batch: 1, concurrency: 10, label: 'insertRun, one run per statement' },
  { variant: 'insert-batched', batch: 25, concurrency: 4, label: 'insert 25 runs per statement' },
  { variant: 'lifecycle', batch: 1, concurrency: 10, label: 'run lifecycle as today: insert, find, claim, complete' },
  { variant: 'lifecycle-batched', batch: 25, concurrency: 4, label: 'run lifecycle batched by 25: insert, claim, complete' },
];

/**
 * What-if (opt-in, `--only whatif`): the PostgreSQL statements of a run without HTTP or queue,
 * as runq sends them today and batched across runs, on runq's schema and on a lean copy with
 * fewer indexes. Shows what PostgreSQL alone allows on this machine, and so which changes can
 * reach the targets.
 */
export async function measureWhatIf(lab: Lab): Promise<Section> {
  const { settings } = lab;
  const projectId = randomUUID();
  const schemas: { name: string; label: string; url: string }[] = [];
  for (const [name, label] of [
    ['runq_whatif', 'runq schema'],
    ['runq_whatif_lean', 'lean indexes'],
  ] as const) {
    const url = await lab.servers.freshDatabase(name);
    await migrateRunq({ databaseUrl: url, redisUrl: 'redis://127.0.0.1:1', queuePrefix: 'runq', logLevel: 'warn' });
    if (name === 'runq_whatif_lean') {
      await lab.servers.withClient(url, async (client) => {
        const indexes = await client.query<{ indexname: string }>(`select indexname from pg_indexes where schemaname = 'public' and tablename = 'runs'`);
        for (const { indexname } of indexes.rows) if (!LEAN_KEEPS.has(indexname)) await client.query(`drop index "${indexname}"`);
      });
    }
    schemas.push({ name, label, url });
  }
  const rows = [];
  await lab.statements.reset();
  for (const schema of schemas) {
    for (const experiment of EXPERIMENTS) {
      const row = new RowBuilder(`${experiment.variant}-${schema.name}`, `${experiment.label} (${schema.label})`);
      const client = await LoadClient.open(`whatif ${experiment.variant}`, {
        kind: 'sql-whatif',
        databaseUrl: schema.url,
        poolSize: experiment.concurrency,
        projectId,
        variant: experiment.variant,
        batch: experiment.batch,
      });
      try {
        for (let rep = 1; rep <= settings.reps; rep += 1) {
          await lab.servers.withClient(schema.url, (db) => db.query('truncate runs, run_events cascade'));
          const measured = await withCpu({ load: [client.pid] }, () =>
            client.run({ mode: 'closed', concurrency: experiment.concurrency, warmupMs: 0, durationMs: settings.ingestMs }),
          );
          const runs = measured.value.ok * experiment.batch;
          const runsPerSecond = measured.value.rate * experiment.batch;
          const pgMsPerRun = ((measured.cpu.cores['postgres'] ?? 0) * measured.cpu.seconds * 1000) / Math.max(1, runs);
          row.add('runs', 'runs/s', 'higher', runsPerSecond).add('p50', 'ms', 'lower', measured.value.latency.p50).add('pg_ms', 'ms', 'lower', pgMsPerRun);
          row.cpu(measured.cpu, runs).error(measured.value.errors, measured.value.errorSamples);
          lab.log(`  what-if ${row.label} rep ${rep}: ${Math.round(runsPerSecond)} runs/s, PostgreSQL ${pgMsPerRun.toFixed(3)} ms CPU per run`);
        }
      } finally {
        await client.close();
      }
      rows.push(row.build());
    }
  }
  return {
    id: 'whatif',
    title: 'What-if: PostgreSQL alone (no HTTP, no queue)',
    description: `Closed loops of ${settings.ingestMs / 1000} s; each operation is one run (or a batch of 25) through runq's statements (its repository functions), one run or a batch per statement; "lean indexes" keeps only ${[...LEAN_KEEPS].join(', ')}. Columns: runs per second, latency of one operation, PostgreSQL CPU per run.`,
    columns: [
      { metric: 'runs', header: 'runs/s', digits: 0 },
      { metric: 'p50', header: 'op p50 ms', digits: 1 },
      { metric: 'pg_ms', header: 'PG CPU ms/run', digits: 3 },
    ],
    rows,
    comparisons: [],
    statements: await lab.statements.top(
      schemas.map((schema) => schema.name),
      6,
    ),
  };
}

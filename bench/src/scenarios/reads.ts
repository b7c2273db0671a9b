import { get } from 'node:http';
import { findRun, listRuns, type RunListFilter } from '@runq/db';
import pg from 'pg';
import { RowBuilder, fixed, withCpu, type Lab } from '../lab.js';
import { LoadClient } from '../load/load-client.js';
import { captureQuery, explainAnalyze } from '../profile/explain.js';
import type { Section } from '../report/results.js';
import { REDIS_DB, RunqDeployment } from '../systems/runq-deployment.js';
import { SEED_SPAN_MS, seedRuns } from './seed-runs.js';

/** One kind of read: the paths it cycles through and the run-store call behind it (for EXPLAIN). */
interface ReadShape {
  subject: string;
  label: string;
  paths: string[];
  /** The statement the API runs for the first path. */
  explain: Parameters<typeof captureQuery>[0];
}

function pick<T>(values: readonly T[], count: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < count && values.length > 0; i += 1) out.push(values[Math.floor(Math.random() * values.length)] as T);
  return out;
}

function getJson(url: string, apiKey: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { authorization: `Bearer ${apiKey}` }, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        if (response.statusCode === 200) resolve(JSON.parse(text));
        else reject(new Error(`GET ${url} answered ${String(response.statusCode)}: ${text.slice(0, 200)}`));
      });
    }).on('error', reject);
  });
}

/** Builds the shapes from values sampled out of the seeded table. */
async function buildShapes(lab: Lab, deployment: RunqDeployment, count: number): Promise<ReadShape[]> {
  const project = deployment.projectId;
  const sample = await lab.servers.withClient(deployment.target.databaseUrl, async (client) => {
    const ids = await client.query<{ id: string }>('select id from runs tablesample system (2) where project_id = $1 limit 2000', [project]);
    const batches = await client.query<{ batch_id: string }>(
      'select distinct batch_id from runs tablesample system (2) where project_id = $1 and batch_id is not null limit 500',
      [project],
    );
    const parents = await client.query<{ parent_run_id: string }>(
      'select parent_run_id from runs where project_id = $1 and parent_run_id is not null limit 2000',
      [project],
    );
    return { ids: ids.rows.map((row) => row.id), batches: batches.rows.map((row) => row.batch_id), parents: parents.rows.map((row) => row.parent_run_id) };
  });
  const now = Date.now();
  const windows = Array.from({ length: 50 }, () => {
    const start = now - SEED_SPAN_MS + Math.random() * (SEED_SPAN_MS - 3_600_000);
    return { after: new Date(start).toISOString(), before: new Date(start + 3_600_000).toISOString() };
  });
  // Cursors as the API issues them: the next page after a page ending somewhere in the table.
  const cursors: string[] = [];
  for (const window of windows.slice(0, 30)) {
    const page = (await getJson(`${deployment.apiUrl}/runs?created_before=${encodeURIComponent(window.before)}&limit=1`, deployment.apiKey)) as {
      next_cursor: string | null;
    };
    if (page.next_cursor) cursors.push(page.next_cursor);
  }
  const scope = { projectIds: [project] as readonly string[], limit: 51 };
  const list = (extra: Partial<RunListFilter>) => (db: Parameters<typeof listRuns>[0]) => listRuns(db, { ...scope, ...extra });
  const firstWindow = windows[0] ?? { after: '', before: '' };
  const shapes: ReadShape[] = [
    {
      subject: 'get',
      label: 'GET /runs/{id}',
      paths: pick(sample.ids, 1000).map((id) => `/runs/${id}`),
      explain: (db) => findRun(db, sample.ids[0] ?? '', [project]),
    },
    { subject: 'list', label: 'GET /runs?limit=50', paths: ['/runs?limit=50'], explain: list({}) },
    { subject: 'list-status', label: 'GET /runs?status=failed', paths: ['/runs?status=failed&limit=50'], explain: list({ status: 'failed' }) },
    { subject: 'list-rare-status', label: 'GET /runs?status=pending', paths: ['/runs?status=pending&limit=50'], explain: list({ status: 'pending' }) },
    {
      subject: 'list-kind-status',
      label: 'GET /runs?kind=workflow&status=completed',
      paths: ['/runs?kind=workflow&status=completed&limit=50'],
      explain: list({ kind: 'workflow', status: 'completed' }),
    },
    {
      subject: 'list-owner',
      label: 'GET /runs?owner_kind=project&owner_id=…',
      paths: [`/runs?owner_kind=project&owner_id=${project}&limit=50`],
      explain: list({ ownerKind: 'project', ownerId: project }),
    },
    {
      subject: 'list-batch',
      label: 'GET /runs?batch_id=…',
      paths: pick(sample.batches, 200).map((batch) => `/runs?batch_id=${batch}&limit=50`),
      explain: list({ batchId: sample.batches[0] ?? '' }),
    },
    {
      subject: 'list-parent',
      label: 'GET /runs?parent_run_id=…',
      paths: pick(sample.parents, 200).map((parent) => `/runs?parent_run_id=${parent}&limit=50`),
      explain: list({ parentRunId: sample.parents[0] ?? '' }),
    },
    {
      subject: 'list-window',
      label: 'GET /runs?created_after=…&created_before=… (1 h, random)',
      paths: windows.map((w) => `/runs?created_after=${encodeURIComponent(w.after)}&created_before=${encodeURIComponent(w.before)}&limit=50`),
      explain: list({ createdAfter: new Date(firstWindow.after), createdBefore: new Date(firstWindow.before) }),
    },
    {
      subject: 'list-cursor',
      label: 'GET /runs?cursor=… (random depth)',
      paths: cursors.map((cursor) => `/runs?cursor=${cursor}&limit=50`),
      explain: list({ beforeId: sample.ids[0] ?? '' }),
    },
  ];
  lab.log(
    `  reads: ${count} runs; sampled ${sample.ids.length} ids, ${sample.batches.length} batches, ${sample.parents.length} parents, ${cursors.length} cursors`,
  );
  return shapes.filter((shape) => shape.paths.length > 0);
}

/**
 * Reads with a large table: runq's schema in its own database, seeded with SQL (see
 * seed-runs.ts), served by its own `runq api`. Each shape is read by `readsConcurrency`
 * closed-loop clients; p50/p99 are client-side. The plans of the statements behind each shape
 * are captured with EXPLAIN (ANALYZE, BUFFERS).
 */
export async function measureReads(lab: Lab): Promise<{ section: Section; deployment: RunqDeployment }> {
  const { settings } = lab;
  const deployment = await RunqDeployment.create(lab.servers, 'runq_reads', 'redis', REDIS_DB.runqReads, {
    logLevel: settings.logLevel,
    profileDir: lab.profileDir,
    logDir: lab.logDir,
  });
  const connect = async () => {
    const client = new pg.Client({ connectionString: deployment.target.databaseUrl, application_name: 'runq-bench-seed' });
    await client.connect();
    return client;
  };
  const seedMs = await seedRuns(connect, settings.readsRows, deployment.projectId);
  lab.log(`  reads: seeded ${settings.readsRows} runs in ${(seedMs / 1000).toFixed(1)} s`);
  const shapes = await buildShapes(lab, deployment, settings.readsRows);
  const builders = new Map(shapes.map((shape) => [shape.subject, new RowBuilder(shape.subject, shape.label)]));
  const clients = new Map<string, LoadClient>();
  const plans: Record<string, string> = {};
  await lab.statements.reset();
  try {
    for (const shape of shapes) {
      clients.set(
        shape.subject,
        await LoadClient.open(`load ${shape.subject}`, { kind: 'runq-get', baseUrl: deployment.apiUrl, apiKey: deployment.apiKey, paths: shape.paths }),
      );
    }
    for (let rep = 1; rep <= settings.reps; rep += 1) {
      for (const shape of shapes) {
        const client = clients.get(shape.subject);
        const row = builders.get(shape.subject);
        if (!client || !row) continue;
        const measured = await withCpu({ ...deployment.pids(), load: [client.pid] }, () =>
          client.run({ mode: 'closed', concurrency: settings.readsConcurrency, warmupMs: 300, durationMs: settings.readsMs }),
        );
        const result = measured.value;
        row.add('p50', 'ms', 'lower', result.latency.p50).add('p99', 'ms', 'lower', result.latency.p99).add('rate', 'req/s', 'higher', result.rate);
        row.cpu(measured.cpu, result.ok).error(result.errors, result.errorSamples);
        lab.log(`  reads rep ${rep} ${shape.label}: p50 ${fixed(result.latency.p50)} ms, p99 ${fixed(result.latency.p99)} ms, ${Math.round(result.rate)}/s`);
      }
    }
    await lab.servers.withClient(deployment.target.databaseUrl, async (client) => {
      for (const shape of shapes) plans[shape.label] = await explainAnalyze(client, await captureQuery(shape.explain));
    });
  } finally {
    await Promise.all([...clients.values()].map((client) => client.close()));
  }
  const section: Section = {
    id: 'reads',
    title: `Reads with ${settings.readsRows.toLocaleString('en-US')} runs in the table`,
    description: `${settings.readsRows.toLocaleString('en-US')} runs seeded with SQL (one in four in the caller's project), then VACUUM ANALYZE; ${settings.readsConcurrency} closed-loop clients per shape for ${settings.readsMs / 1000} s; client-side latency. Seeding took ${(seedMs / 1000).toFixed(0)} s.`,
    columns: [
      { metric: 'p50', header: 'p50 ms', digits: 1 },
      { metric: 'p99', header: 'p99 ms', digits: 1 },
      { metric: 'rate', header: 'req/s', digits: 0 },
    ],
    rows: shapes.map((shape) => builders.get(shape.subject)?.build()).filter((row) => row !== undefined),
    comparisons: [],
    statements: await lab.statements.top(['runq_reads']),
    plans,
  };
  return { section, deployment };
}

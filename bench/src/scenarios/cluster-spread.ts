import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRedis, startLocalRedisCluster } from '@runq/local';
import { queueKeyPrefix, queueNameOf } from '@runq/queue';
import { Cluster, Redis } from 'ioredis';
import { createRunqKey, migrateRunq, startRunqApi, startRunqWorker, type ManagedProcess, type RunqTarget } from '../env/processes.js';
import { RowBuilder, type Lab } from '../lab.js';
import type { Section } from '../report/results.js';

/** API and worker processes per deployment, as in the scale-out test (test/e2e/scale-out-cluster.test.ts). */
const APIS = 2;
const WORKERS = 2;
/** Task queues the load is spread over: one runtime target (environment) each. */
const QUEUES = 6;
/** The largest cluster measured; the environments are picked so its masters carry equally many queues. */
const MAX_MASTERS = 3;
const PREFIX = 'runq';
/** What is measured: the queues spread over 1 and over 3 masters, and the one-slot layout of a tagged prefix on 3. */
const LAYOUTS = [
  { masters: 1, prefix: PREFIX, label: '1 master' },
  { masters: MAX_MASTERS, prefix: `{${PREFIX}}`, label: `${MAX_MASTERS} masters, prefix {${PREFIX}} (every queue in one slot)` },
  { masters: MAX_MASTERS, prefix: PREFIX, label: `${MAX_MASTERS} masters, one tag per queue` },
] as const;
const POLL_MS = 100;
/** A cluster target, for the key layout runq uses on one (`queueKeyPrefix` only reads its mode). */
const ON_A_CLUSTER = { mode: 'cluster', nodes: [], username: undefined, password: undefined, tls: false } as const;
/** Runs per repetition at most: the full e2e count would take many minutes per layout on a small machine. */
const MAX_RUNS = 5_000;

/** A local Redis Cluster of `masters` masters and a way to stop it. */
interface BenchCluster {
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

/**
 * A local cluster. `redis-cli --cluster create` needs three masters, so a one-master cluster is
 * one cluster-enabled node that is given every slot itself.
 */
async function startCluster(dir: string, masters: number): Promise<BenchCluster> {
  if (masters >= 3) {
    const cluster = await startLocalRedisCluster({ dir, masters });
    return { url: cluster.url, ports: cluster.nodes.map((node) => node.port), stop: () => cluster.stop() };
  }
  const node = await startLocalRedis({ dir: join(dir, 'node-1'), clusterNode: true });
  const client = new Redis(node.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  try {
    // A node that never met another does not know its address and reports it empty in CLUSTER SLOTS.
    await client.config('SET', 'cluster-announce-ip', '127.0.0.1');
    await client.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    const deadline = Date.now() + 30_000;
    while (!String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error('the one-master cluster did not reach cluster_state:ok');
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    client.disconnect();
  }
  return { url: `redis+cluster://127.0.0.1:${node.port}`, ports: [node.port], stop: () => node.stop() };
}

/** Commands a node has executed since it started: the sum of `calls=` over `INFO commandstats`. */
async function commandsOf(port: number): Promise<number> {
  const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  try {
    const info = await client.info('commandstats');
    return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
  } finally {
    client.disconnect();
  }
}

/**
 * The environment ids of the load: the first ids of a fixed sequence whose task queues fall
 * `QUEUES / masters` on each master of `cluster` (a hash tag's slot is fixed by its text, so with
 * a handful of queues an unlucky draw could put most of them on one master; the spread of a
 * deployment's real queues is whatever their names give).
 */
async function pickEnvironments(ports: readonly number[]): Promise<string[]> {
  const client = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
  try {
    const slots = await client.cluster('SLOTS');
    const perMaster = new Map<number, number>();
    const picked: string[] = [];
    for (let index = 1; picked.length < QUEUES && index < 10_000; index += 1) {
      const id = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
      const queue = queueNameOf('task', `environment:${id}`);
      const slot = Number(await client.cluster('KEYSLOT', `${queueKeyPrefix(PREFIX, ON_A_CLUSTER, queue)}:${queue}:wait`));
      const owner = slots.findIndex(([from, to]) => slot >= from && slot <= to);
      if ((perMaster.get(owner) ?? 0) >= QUEUES / slots.length) continue;
      perMaster.set(owner, (perMaster.get(owner) ?? 0) + 1);
      picked.push(id);
    }
    return picked;
  } finally {
    client.disconnect();
  }
}

/** Creates `total` task runs over `apis`, `concurrency` requests at once, round robin over the environments. */
async function createRuns(
  apis: readonly string[],
  key: string,
  projectId: string,
  environments: readonly string[],
  total: number,
  concurrency: number,
): Promise<{ errors: number; samples: string[] }> {
  let next = 0;
  let errors = 0;
  const samples: string[] = [];
  const client = async () => {
    for (let seq = next++; seq < total; seq = next++) {
      const response = await fetch(`${apis[seq % apis.length]}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          kind: 'task',
          owner: { kind: 'project', id: projectId },
          request: {
            target: 'noop',
            name: 'bench',
            config: { seq },
            runtime_target_kind: 'environment',
            runtime_target_environment_id: environments[seq % environments.length],
          },
        }),
      });
      const body = await response.text();
      if (response.status !== 202) {
        errors += 1;
        if (samples.length < 2) samples.push(`POST /runs answered ${response.status}: ${body.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return { errors, samples };
}

/**
 * Cluster spread (opt-in, `--only cluster`): runq on a local Redis Cluster of 1 and of 3 masters,
 * with two `runq api` and two `runq worker` processes; N no-op task runs spread over six runtime
 * targets (six queues, two per master of the 3-master cluster) are created over HTTP while the
 * workers run; on 3 masters once more with the prefix `{runq}`, which keeps every queue in one
 * slot as earlier versions did. Reports end-to-end runs/s (N ÷ (last completed_at − first request)) and each
 * master's share of the commands executed meanwhile (`INFO commandstats`), which shows where
 * the queue traffic went (docs/decisions/0022-cluster-hash-tags.md).
 */
export async function measureClusterSpread(lab: Lab): Promise<Section> {
  const { settings } = lab;
  const runs = Math.min(settings.e2eRuns, MAX_RUNS);
  const rows = [];
  const dir = await mkdtemp(join(tmpdir(), 'runq-bench-cluster-'));
  try {
    const probe = await startCluster(join(dir, 'probe'), MAX_MASTERS);
    const environments = await pickEnvironments(probe.ports).finally(() => probe.stop());
    for (const { masters, prefix, label } of LAYOUTS) {
      const row = new RowBuilder(`cluster-${masters}-${prefix}`, label);
      for (let rep = 1; rep <= settings.reps; rep += 1) {
        const cluster = await startCluster(join(dir, `${row.subject}-${rep}`), masters);
        const processes: ManagedProcess[] = [];
        try {
          const databaseUrl = await lab.servers.freshDatabase(`runq_cluster_${masters}_${rep}_${prefix === PREFIX ? 'spread' : 'one_slot'}`);
          const target: RunqTarget = { databaseUrl, redisUrl: cluster.url, queuePrefix: prefix, logLevel: settings.logLevel };
          await migrateRunq(target);
          const projectId = '00000000-0000-4000-8000-000000000000';
          const key = await createRunqKey(target, projectId);
          const apis = await Promise.all(Array.from({ length: APIS }, () => startRunqApi(target)));
          processes.push(...apis);
          const runtimeTargets = environments.map((id) => `environment:${id}`);
          for (let index = 0; index < WORKERS; index += 1) processes.push(await startRunqWorker(target, settings.workerConcurrency, {}, runtimeTargets));
          const before = await Promise.all(cluster.ports.map(commandsOf));
          const startedAt = Date.now();
          const { errors, samples } = await createRuns(
            apis.map((api) => api.url),
            key,
            projectId,
            environments,
            runs,
            settings.concurrency,
          );
          const finished = await waitFinished(lab, databaseUrl, runs - errors, Math.max(120_000, runs * 20));
          const after = await Promise.all(cluster.ports.map(commandsOf));
          const commands = after.map((count, index) => count - before[index]!);
          const total = commands.reduce((sum, count) => sum + count, 0);
          const rate = (finished.completed / (finished.lastCompletedAt - startedAt)) * 1000;
          row.add('rate', 'runs/s', 'higher', rate).error(errors, samples);
          for (let index = 0; index < MAX_MASTERS; index += 1)
            row.add(`share_${index + 1}`, '%', 'higher', index < masters ? (commands[index]! / total) * 100 : Number.NaN);
          if (finished.completed < runs - errors) row.note(`${runs - errors - finished.completed} runs did not complete`);
          lab.log(
            `  ${label} rep ${rep}: ${Math.round(rate)} runs/s; commands per master ${commands.map((count) => `${Math.round((count / total) * 100)} %`).join(', ')}`,
          );
        } finally {
          await Promise.all(processes.map((process) => process.stop()));
          await cluster.stop();
        }
      }
      rows.push(row.build());
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    id: 'cluster',
    title: 'Cluster spread: 1 and 3 Redis Cluster masters',
    description: `${runs} no-op task runs per repetition over ${QUEUES} runtime-target queues (one hash tag each, ${QUEUES / MAX_MASTERS} per master of the 3-master cluster), created over HTTP by ${settings.concurrency} clients through ${APIS} \`runq api\` processes and executed by ${WORKERS} \`runq worker --concurrency ${settings.workerConcurrency}\` processes. Share: each master's part of the commands the cluster executed meanwhile.`,
    columns: [
      { metric: 'rate', header: 'completed/s', digits: 0 },
      ...Array.from({ length: MAX_MASTERS }, (_, index) => ({ metric: `share_${index + 1}`, header: `master ${index + 1} %`, digits: 0 })),
    ],
    rows,
    comparisons: [],
  };
}

/** Waits until `expected` runs are completed (or `timeoutMs` passed); returns how many and when the last one completed. */
async function waitFinished(lab: Lab, databaseUrl: string, expected: number, timeoutMs: number): Promise<{ completed: number; lastCompletedAt: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await lab.servers.withClient(databaseUrl, async (client) => {
      const result = await client.query<{ completed: string; last: Date | null }>(
        `select count(*) as completed, max(completed_at) as last from runs where status = 'completed'`,
      );
      return result.rows[0]!;
    });
    const completed = Number(row.completed);
    if (completed >= expected || Date.now() > deadline) return { completed, lastCompletedAt: row.last?.getTime() ?? Date.now() };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

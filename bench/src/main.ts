import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { POSTGRES_QUEUE_SCHEMA } from '@runq/queue';
import { describeMachine, describeVersions } from './env/machine.js';
import { cpuBetween, snapshotCpu } from './env/proc-stats.js';
import { REPO_ROOT } from './env/processes.js';
import { startBenchServers, type BenchServers } from './env/servers.js';
import type { Lab } from './lab.js';
import { summarizeProfiles, type ProfileSummary } from './profile/cpu-profile.js';
import { PgStatements } from './profile/pg-stats.js';
import { renderMarkdown, renderText } from './report/render.js';
import type { BenchResults, Row, Section } from './report/results.js';
import { checkTargets } from './report/targets.js';
import { measureCalibration } from './scenarios/calibration.js';
import { endToEndSection, measurePeerDrain, measureRunqEndToEnd, memoryRow } from './scenarios/e2e.js';
import { measureReleaseLatency } from './scenarios/flow.js';
import { measureFairness } from './scenarios/fairness.js';
import { measureScheduleFiring } from './scenarios/schedules.js';
import { measureWebhookEndToEnd } from './scenarios/webhooks.js';
import { measureBatches } from './scenarios/batches.js';
import { measureIngest, type IngestSubject } from './scenarios/ingest.js';
import { latencySection, measurePeerLatency, measureRunqLatency } from './scenarios/latency.js';
import { measureReads } from './scenarios/reads.js';
import { measureWhatIf } from './scenarios/whatif.js';
import { measureClusterSpread } from './scenarios/cluster-spread.js';
import { writePathPlans } from './scenarios/write-plans.js';
import { parseSettings, type Settings } from './settings.js';
import { setUpBullmq, setUpGraphile, setUpPgBoss, type Peer } from './systems/peers.js';
import { REDIS_DB, RunqDeployment, type QueueBackendKind } from './systems/runq-deployment.js';

/*
 * `npm run bench [-- --quick]`: starts throwaway PostgreSQL and Redis, runq (API and workers
 * as real processes) on each queue backend, and the peers (raw BullMQ, graphile-worker,
 * pg-boss), measures every scenario, prints the tables and writes JSON and Markdown to
 * bench/results/. See bench/README.md.
 */

const BACKEND_LABEL: Record<QueueBackendKind, string> = { redis: 'Redis backend', postgres: 'PostgreSQL backend' };

const benchStarted = performance.now();

function log(line: string): void {
  const seconds = Math.round((performance.now() - benchStarted) / 1000);
  const stamp = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  process.stderr.write(line.startsWith('\n') ? `\n[${stamp}] ${line.slice(1)}\n` : `[${stamp}] ${line}\n`);
}

/** Warns about rows measured while other processes used a noticeable share of the machine. */
function checkBackgroundLoad(lab: Lab, section: Section): void {
  for (const row of section.rows) {
    const other = row.cpuCores?.['other'];
    if (!row.sharedFrom && other !== undefined && other > 0.15) {
      lab.warn(
        `${section.title} / ${row.label}: processes outside the bench used ${other.toFixed(2)} cores while it was measured; on a shared machine the figures are low`,
      );
    }
  }
}

/** Samples the machine for a second before starting: a busy machine makes every figure wrong. */
async function checkIdle(lab: Lab): Promise<void> {
  const before = snapshotCpu({});
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const usage = cpuBetween(before, snapshotCpu({}));
  if (usage.machineBusy > 0.1) lab.warn(`the machine was ${Math.round(usage.machineBusy * 100)} % busy before the bench started (other processes)`);
}

/** Everything that must be stopped if the bench is interrupted. */
const running = new Set<{ stop(): Promise<unknown> }>();

async function shutdown(): Promise<void> {
  for (const item of [...running].reverse()) await item.stop().catch(() => undefined);
  running.clear();
}

/** Copies rows measured in another section (peers that do not depend on runq's backend). */
function shared(rows: Row[], from: string): Row[] {
  return rows.map((row) => ({ ...row, sharedFrom: from }));
}

async function benchBackend(
  lab: Lab,
  backend: QueueBackendKind,
  common: { graphile: Peer; pgboss: Peer } | undefined,
  earlier: Map<string, Row[]>,
  sections: Section[],
): Promise<void> {
  const { settings } = lab;
  const label = BACKEND_LABEL[backend];
  lab.log(`\n# ${label}`);
  const deployment = await RunqDeployment.create(lab.servers, `runq_${backend}`, backend, REDIS_DB.runqRedis, {
    logLevel: settings.logLevel,
    profileDir: lab.profileDir,
    logDir: lab.logDir,
  });
  running.add(deployment);
  const bullmq = await setUpBullmq(lab.servers, backend, settings.peers);
  const peers = [bullmq, ...(common ? [common.graphile, common.pgboss] : [])];
  const peerDatabases = backend === 'postgres' ? ['peer_bullmq'] : [];
  if (common) peerDatabases.push('peer_graphile', 'peer_pgboss');
  const sharedKey = (scenario: string) => `${scenario}:peers`;

  if (settings.scenarios.includes('ingest')) {
    lab.log(`## ingest (${label})`);
    const subjects: IngestSubject[] = [
      {
        subject: 'runq',
        label: 'runq POST /runs',
        producer: { kind: 'runq-http', baseUrl: deployment.apiUrl, apiKey: deployment.apiKey, projectId: deployment.projectId },
        reset: () => deployment.reset({ queue: true }),
        roles: () => ({ api: deployment.pids().api }),
      },
      {
        subject: 'floor',
        label: 'floor: batched insertRuns + enqueueRuns, no HTTP',
        producer: {
          kind: 'runq-floor',
          databaseUrl: deployment.target.databaseUrl,
          redisUrl: deployment.target.redisUrl,
          queuePrefix: deployment.target.queuePrefix,
          poolSize: 10,
          projectId: deployment.projectId,
        },
        reset: () => deployment.reset({ queue: true }),
        roles: () => ({}),
      },
      ...peers.map((peer) => ({
        subject: peer.name,
        label: `${peer.label} single enqueue`,
        producer: peer.producer,
        reset: () => peer.reset(),
        roles: () => ({}),
      })),
    ];
    const section = await measureIngest(lab, `ingest-${backend}`, `Ingest — ${label}`, subjects, [deployment.name, ...peerDatabases]);
    if (common)
      earlier.set(
        sharedKey('ingest'),
        section.rows.filter((row) => row.subject === 'graphile' || row.subject === 'pgboss'),
      );
    else section.rows.push(...shared(earlier.get(sharedKey('ingest')) ?? [], 'ingest-redis'));
    if (common) section.plans = await writePathPlans(lab, deployment);
    sections.push(section);
  }

  if (settings.scenarios.includes('e2e')) {
    lab.log(`## end to end (${label})`);
    await lab.statements.reset();
    const runq = await measureRunqEndToEnd(lab, deployment);
    const statements = await lab.statements.top([deployment.name]);
    const queueStatementShare =
      backend === 'postgres' ? await lab.statements.shareCallingSchema(deployment.target.databaseUrl, POSTGRES_QUEUE_SCHEMA) : undefined;
    const rows: Row[] = [runq.e2e, runq.drain];
    const peerRows: Row[] = [];
    for (const peer of peers) {
      const drained = await measurePeerDrain(lab, peer);
      peerRows.push(drained.row);
      lab.memory.push(memoryRow(`${peer.name}-worker-${backend}`, `${peer.label} worker (drain)`, { peakMiB: drained.peakRssMiB }));
    }
    rows.push(...peerRows);
    if (common)
      earlier.set(
        sharedKey('e2e'),
        peerRows.filter((row) => row.subject === 'graphile' || row.subject === 'pgboss'),
      );
    else rows.push(...shared(earlier.get(sharedKey('e2e')) ?? [], 'e2e-redis'));
    sections.push({
      ...endToEndSection(lab, `e2e-${backend}`, `End to end — ${label}`, rows),
      statements,
      ...(queueStatementShare === undefined ? {} : { queueStatementShare }),
    });
  }

  if (settings.scenarios.includes('latency')) {
    lab.log(`## latency (${label})`);
    await lab.statements.reset();
    const runqRows = await measureRunqLatency(lab, deployment);
    const statements = await lab.statements.top([deployment.name]);
    const peerRows = new Map<number, Row[]>();
    for (const peer of peers) {
      const measured = await measurePeerLatency(lab, peer);
      for (const [rate, row] of measured.rows) peerRows.set(rate, [...(peerRows.get(rate) ?? []), row]);
    }
    for (const rate of settings.latencyRates) {
      const rows = [runqRows.get(rate), ...(peerRows.get(rate) ?? [])].filter((row) => row !== undefined);
      const key = sharedKey(`latency-${rate}`);
      if (common)
        earlier.set(
          key,
          rows.filter((row) => row.subject === 'graphile' || row.subject === 'pgboss'),
        );
      else rows.push(...shared(earlier.get(key) ?? [], `latency-redis-${rate}`));
      sections.push({ ...latencySection(lab, `latency-${backend}-${rate}`, `Latency at ${rate} runs/s — ${label}`, rate, rows), statements });
    }
  }

  if (settings.scenarios.includes('flow')) {
    lab.log(`## flow control (${label})`);
    await deployment.startWorker(settings.workerConcurrency);
    sections.push(await measureReleaseLatency(lab, deployment, `flow-${backend}`, `Flow control: a held run starts after its slot frees — ${label}`));
  }

  if (settings.scenarios.includes('fairness')) {
    lab.log(`## fairness between projects (${label})`);
    await deployment.startWorker(settings.workerConcurrency);
    sections.push(await measureFairness(lab, deployment, `fairness-${backend}`, `Fairness: a quiet project beside a backlog — ${label}`));
  }

  if (settings.scenarios.includes('schedules')) {
    lab.log(`## schedules (${label})`);
    await deployment.startWorker(settings.workerConcurrency);
    sections.push(
      await measureScheduleFiring(lab, deployment, `schedules-${backend}`, `Schedules: firing lateness and idle cost with 10,000 schedules — ${label}`),
    );
  }

  if (settings.scenarios.includes('webhooks')) {
    lab.log(`## outbound webhooks (${label})`);
    sections.push(
      await measureWebhookEndToEnd(
        lab,
        deployment,
        `webhooks-${backend}`,
        `End to end with outbound webhooks: one subscription to every completed run — ${label}`,
      ),
    );
  }

  if (settings.scenarios.includes('batches')) {
    lab.log(`## batches (${label})`);
    sections.push(await measureBatches(lab, deployment, `batches-${backend}`, `Batches: 1,000 runs in one request — ${label}`));
  }

  running.delete(deployment);
  await deployment.stop();
  lab.memory.push(memoryRow(`runq-api-${backend}`, `runq api (${label})`, deployment.memory.api));
  if (!Number.isNaN(deployment.memory.worker.peakMiB)) {
    lab.memory.push(memoryRow(`runq-worker-${backend}`, `runq worker (${label}, --concurrency ${settings.workerConcurrency})`, deployment.memory.worker));
  }
}

async function main(settings: Settings): Promise<void> {
  const startedAt = new Date();
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const profileDir = settings.profile ? join(resultsDir, 'profiles', stamp) : undefined;
  const logDir = settings.logs ? join(resultsDir, 'logs', stamp) : undefined;
  await mkdir(resultsDir, { recursive: true });
  log(`runq bench: ${settings.mode} (${settings.reps} repetition(s)); scenarios ${settings.scenarios.join(', ')}; backends ${settings.backends.join(', ')}`);
  const servers: BenchServers = await startBenchServers(log);
  running.add(servers);
  const warnings: string[] = [];
  const lab: Lab = {
    settings,
    servers,
    statements: new PgStatements(servers),
    resultsDir,
    profileDir,
    logDir,
    log,
    warn(line) {
      warnings.push(line);
      log(`warning: ${line}`);
    },
    memory: [],
  };
  const sections: Section[] = [];
  await checkIdle(lab);
  const machine = await describeMachine();
  const versions = await describeVersions(servers);
  if (Number(machine['cpus']) !== 2) lab.warn(`this machine has ${machine['cpus']} cores; the issue's targets are stated for 2`);
  const needsDeployments = settings.scenarios.some(
    (scenario) =>
      scenario === 'ingest' ||
      scenario === 'e2e' ||
      scenario === 'latency' ||
      scenario === 'flow' ||
      scenario === 'fairness' ||
      scenario === 'schedules' ||
      scenario === 'webhooks' ||
      scenario === 'batches',
  );
  const needsPeers = settings.scenarios.some((scenario) => scenario === 'ingest' || scenario === 'e2e' || scenario === 'latency');
  const common = needsPeers ? { graphile: await setUpGraphile(servers, settings.peers), pgboss: await setUpPgBoss(servers, settings.peers) } : undefined;
  const earlier = new Map<string, Row[]>();
  if (needsDeployments) {
    for (const [index, backend] of settings.backends.entries()) {
      await benchBackend(lab, backend, index === 0 ? common : undefined, earlier, sections);
    }
  }
  if (settings.scenarios.includes('latency')) {
    lab.log('\n# machine calibration');
    sections.push(await measureCalibration(lab));
  }
  if (settings.scenarios.includes('reads')) {
    lab.log('\n# reads');
    const { section, deployment } = await measureReads(lab);
    running.add(deployment);
    sections.push(section);
    running.delete(deployment);
    await deployment.stop();
    lab.memory.push(memoryRow('runq-api-reads', 'runq api (reads scenario)', deployment.memory.api));
  }
  if (settings.scenarios.includes('whatif')) {
    lab.log('\n# what-if (PostgreSQL alone)');
    sections.push(await measureWhatIf(lab));
  }
  if (settings.scenarios.includes('cluster')) {
    lab.log('\n# cluster spread (1 and 3 Redis Cluster masters)');
    sections.push(await measureClusterSpread(lab));
  }
  running.delete(servers);
  await servers.stop();
  for (const section of sections) checkBackgroundLoad(lab, section);

  const profiles: Record<string, ProfileSummary[]> = {};
  if (profileDir) {
    for (const name of ['runq_redis-api', 'runq_redis-worker', 'runq_postgres-api', 'runq_postgres-worker', 'runq_reads-api']) {
      const summaries = await summarizeProfiles(join(profileDir, name));
      if (summaries.length > 0) profiles[name] = summaries;
    }
  }
  const finishedAt = new Date();
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    mode: settings.mode,
    machine,
    versions,
    settings: { ...settings },
    sections,
    memory: lab.memory,
    targets: checkTargets(sections, lab.memory),
    profiles,
    warnings,
  };
  const base = join(resultsDir, `bench-${settings.mode}-${stamp}`);
  await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${base}.md`, renderMarkdown(results));
  await writeFile(join(resultsDir, `latest-${settings.mode}.md`), renderMarkdown(results));
  await writeFile(join(resultsDir, `latest-${settings.mode}.json`), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${renderText(results)}\n\nWrote ${base}.json and ${base}.md\n`);
}

let settings: Settings;
try {
  settings = parseSettings(process.argv.slice(2));
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping everything the bench started`);
    void shutdown().finally(() => process.exit(130));
  });
}
try {
  await main(settings);
} catch (error) {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await shutdown();
  process.exitCode = 1;
}

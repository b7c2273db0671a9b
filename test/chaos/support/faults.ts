import { SeededRandom } from '../../support/body-mutations.js';
import type { HttpObserver } from './http-observer.js';
import type { LoadProducer } from './load.js';
import type { ChaosProcesses } from './processes.js';
import type { ChaosPostgres, ChaosRedis } from './servers.js';

/** The faults the suite injects. */
export type FaultKind = 'kill_worker' | 'pause_worker' | 'restart_postgres' | 'restart_redis_with_data' | 'restart_redis_without_data' | 'kill_api';

/** What one injected fault did, and how long the system took to run a new run again afterwards. */
export interface FaultRecord {
  kind: FaultKind;
  at: number;
  durationMs: number;
  /** 503 answers seen by the outage probe while the dependency was down. */
  probe503?: number;
  /** From the end of the fault to the completion of a fresh canary run. */
  recoveryMs?: number;
  /** Why the system did not recover (the canary run was refused or did not complete). */
  notRecovered?: string;
  detail?: string;
}

/** What the fault schedule works on. */
export interface FaultTargets {
  processes: ChaosProcesses;
  postgres: ChaosPostgres;
  redis: ChaosRedis | undefined;
  http: HttpObserver;
  producer: LoadProducer;
  /** A worker's lease: a paused worker is stopped for longer than this. */
  leaseMs: number;
  /** Resolves once a freshly created run has completed (the canary of recovery); rejects when it cannot. */
  canary(): Promise<void>;
  /** Progress lines. */
  log(line: string): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * While a dependency is down, asks every API instance every 100 ms for something that needs it
 * and counts the 503s (the observer records any other 5xx, a 503 without Retry-After or a hang):
 * a listing (Postgres) and the readiness probe (Postgres and the queue backend; while Redis is
 * down the API still lists, and accepts runs for the reconciler to enqueue, so only readiness
 * reports the outage).
 */
function probeOutage(targets: FaultTargets): { stop(): Promise<number> } {
  let running = true;
  let unavailable = 0;
  const loops = targets.processes.apiUrls.map(async (_, index) => {
    for (let turn = 0; running; turn += 1) {
      const answer = await targets.http.send('GET', turn % 2 === 0 ? '/runs?limit=1' : '/readyz', undefined, index);
      if (answer?.status === 503) unavailable += 1;
      await sleep(100);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return unavailable;
    },
  };
}

/**
 * Injects faults one after another, `gapMs` apart, cycling through `kinds` until `until()` says
 * the load is done and every kind has run at least once. After each fault, a canary run must
 * complete: the processes recover by themselves, without a restart.
 */
export async function runFaultSchedule(
  targets: FaultTargets,
  kinds: FaultKind[],
  options: { gapMs: number; seed: number; until: () => boolean },
): Promise<FaultRecord[]> {
  const random = new SeededRandom(options.seed);
  const records: FaultRecord[] = [];
  for (let index = 0; !(options.until() && index >= kinds.length); index += 1) {
    await sleep(options.gapMs);
    const kind = kinds[index % kinds.length]!;
    const record: FaultRecord = { kind, at: Date.now(), durationMs: 0 };
    targets.log(`fault ${index + 1}: ${kind}`);
    await inject(targets, kind, random, record);
    record.durationMs = Date.now() - record.at;
    const recovered = Date.now();
    try {
      await targets.canary();
      record.recoveryMs = Date.now() - recovered;
    } catch (error) {
      record.notRecovered = error instanceof Error ? error.message : String(error);
    }
    targets.log(
      `fault ${index + 1}: ${kind} ${record.detail ?? ''} took ${record.durationMs} ms; ${record.notRecovered ?? `recovered in ${record.recoveryMs} ms`}`,
    );
    records.push(record);
  }
  return records;
}

async function inject(targets: FaultTargets, kind: FaultKind, random: SeededRandom, record: FaultRecord): Promise<void> {
  const { processes } = targets;
  switch (kind) {
    case 'kill_worker': {
      const index = random.int(processes.workerCount);
      record.detail = `worker-${index}`;
      await processes.killWorker(index);
      return;
    }
    case 'pause_worker': {
      const index = random.int(processes.workerCount);
      record.detail = `worker-${index} for ${targets.leaseMs * 2 + 1_000} ms`;
      await processes.pauseWorker(index, targets.leaseMs * 2 + 1_000);
      return;
    }
    case 'restart_postgres': {
      const probe = probeOutage(targets);
      try {
        await targets.postgres.restart(1_500);
      } finally {
        record.probe503 = await probe.stop();
      }
      return;
    }
    case 'restart_redis_with_data':
    case 'restart_redis_without_data': {
      if (!targets.redis) throw new Error('no Redis in this run');
      const probe = probeOutage(targets);
      try {
        await targets.redis.restart({ keepData: kind === 'restart_redis_with_data', downMs: 1_500 });
      } finally {
        record.probe503 = await probe.stop();
      }
      return;
    }
    case 'kill_api': {
      const index = random.int(processes.apiUrls.length);
      // Mid-request: wait (briefly) until the instance has requests in flight.
      const deadline = Date.now() + 5_000;
      while (targets.http.inFlightAt(index) === 0 && Date.now() < deadline) await sleep(5);
      record.detail = `api-${index} with ${targets.http.inFlightAt(index)} requests in flight`;
      await processes.killApi(index);
      return;
    }
  }
}

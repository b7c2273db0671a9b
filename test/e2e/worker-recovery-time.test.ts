import { FIXTURE_HANDLERS, useE2eContext } from '../support/e2e-context.js';
import { QUEUE_BACKENDS } from '../support/harness.js';
import type { CliProcess } from '../support/worker-process.js';
import { claimsLeadership, DEFAULT_LEASE_SETTINGS } from '../support/worker-presence.js';

/**
 * How many workers each backend's measurement kills (`RUNQ_RECOVERY_KILLS`, default 5: the
 * default run stays short; `RUNQ_RECOVERY_KILLS=50` gives a distribution worth reading).
 */
const KILLS = Number(process.env['RUNQ_RECOVERY_KILLS'] ?? 5);
/** Far above what is expected (seconds): a sanity bound, not a timing assertion. */
const SANITY_BOUND_S = 15;

/** One kill: seconds from the kill to the next attempt's claim event, and whether the killed worker led the reconciler. */
interface Sample {
  seconds: number;
  victimLed: boolean;
}

/** The nearest-rank percentile `p` (0..1) of ascending `sorted`. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

function describeSamples(samples: readonly Sample[]): Record<string, number> {
  const sorted = samples.map((sample) => sample.seconds).sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    kills: sorted.length,
    p50_s: round(percentile(sorted, 0.5)),
    p90_s: round(percentile(sorted, 0.9)),
    p99_s: round(percentile(sorted, 0.99)),
    max_s: round(sorted.at(-1) ?? Number.NaN),
    min_s: round(sorted[0] ?? Number.NaN),
    victim_led: samples.filter((sample) => sample.victimLed).length,
  };
}

describe.each(QUEUE_BACKENDS)('recovery time after killed workers on %s', (backend) => {
  const e2e = useE2eContext(backend);

  it(
    `when ${KILLS} workers are killed mid-attempt on the default settings, then each run's next attempt starts within seconds of the kill`,
    async () => {
      const workers: Map<number, CliProcess> = await e2e.startWorkers(2, DEFAULT_LEASE_SETTINGS);
      const samples: Sample[] = [];
      for (let kill = 0; kill < KILLS; kill += 1) {
        // The victim alternates between the reconciler's leader (its death also costs an election)
        // and another worker: a run that the other kind of worker took is let finish, and another
        // is created (a few times at most).
        const preferLeader = kill % 2 === 0;
        let runId = '';
        let victim: CliProcess | undefined;
        for (let round = 0; round < 6 && !victim; round += 1) {
          const report = e2e.reports.file(`kill-${kill}-${round}`);
          const release = e2e.reports.file(`release-${kill}-${round}`);
          // Attempt 1 blocks until released; attempt 2 returns at once.
          const created = await e2e.client.task('gated', { config: { report, release: { 1: release } } });
          const first = await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 1);
          const holder = workers.get(first.pid)!;
          if (claimsLeadership(holder) === preferLeader || round === 5) {
            runId = created.run_id;
            victim = holder;
          } else {
            await e2e.reports.release(release);
            await e2e.client.waitForStatus(created.run_id, 'completed');
          }
        }
        const victimLed = claimsLeadership(victim!);
        const killedAt = Date.now();
        victim!.signal('SIGKILL');
        const isTakeover = (event: { from_status: string | null; to_status: string }) => event.from_status === 'running' && event.to_status === 'running';
        const events = await e2e.client.waitForEvents(runId, (log) => log.some(isTakeover), 30_000);
        samples.push({ seconds: (Date.parse(events.find(isTakeover)!.at) - killedAt) / 1000, victimLed });
        await e2e.client.waitForStatus(runId, 'completed');
        await victim!.exited;
        workers.delete(victim!.pid);
        const replacement = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS, { env: DEFAULT_LEASE_SETTINGS });
        workers.set(replacement.pid, replacement);
      }
      const summary = describeSamples(samples);
      process.stdout.write(
        `\nrecovery time after a killed worker (${backend}): ${JSON.stringify(summary)}\nsamples (s, * = the victim led): ${samples.map((sample) => `${sample.seconds.toFixed(2)}${sample.victimLed ? '*' : ''}`).join(' ')}\n`,
      );
      expect(summary['max_s']).toBeLessThan(SANITY_BOUND_S);
    },
    60_000 + KILLS * 30_000,
  );
});

import { isTerminalStatus } from '@runq/runs';
import { waitForRunAt } from './harness.js';
import type { CliProcess, ProcessGroup } from './worker-process.js';

/** A `runq api` running in its own OS process. */
export interface ApiProcess {
  /** Base URL it printed in its "api listening" line. */
  url: string;
  process: CliProcess;
}

/**
 * Starts `runq api` on a free loopback port (`PORT=0`) with `env` and resolves once it listens.
 * The process belongs to `processes`, which stops it.
 */
export async function startApiProcess(processes: ProcessGroup, env: Record<string, string>): Promise<ApiProcess> {
  const proc = processes.run(['api'], { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
  const listening = await proc.waitForLog((line) => line?.msg === 'api listening', 30_000);
  return { url: String(listening.url), process: proc };
}

/** Like {@link waitForRunAt} for a status; fails at once when the run ends in another terminal status. */
export async function waitForStatusAt(baseUrl: string, key: string, runId: string, status: string, timeoutMs?: number): Promise<any> {
  const run = await waitForRunAt(baseUrl, key, runId, (current) => current?.status === status || isTerminalStatus(current?.status), timeoutMs);
  if (run.status !== status) throw new Error(`run ${runId} ended ${run.status}, expected ${status}: ${JSON.stringify(run)}`);
  return run;
}

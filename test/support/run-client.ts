import { randomUUID } from 'node:crypto';
import { isTerminalStatus, type RunStatus } from '@runq/runs';
import { expectValidEventLog, readEventLog, type ObservedRunEvent } from './event-log.js';
import { requestJson, waitForRun, type TestApi } from './harness.js';
import { pollUntil } from './poll.js';

/** A `POST /runs` body; `owner` is filled in with the client's project when left out. */
export type RunBody = Record<string, unknown> & { kind: string; request: Record<string, unknown> };

/**
 * A test's view of one project on a test API: creates runs, drives them over HTTP and
 * remembers every run it created so that {@link RunClient.verifyEventLogs} (called from
 * `afterEach` in every lifecycle suite) can check each one's event log against the
 * transition table.
 */
export class RunClient {
  private readonly created: string[] = [];

  private constructor(
    readonly api: TestApi,
    readonly key: string,
    readonly projectId: string,
  ) {}

  /** A client for a new project with its own API key. */
  static async open(api: TestApi): Promise<RunClient> {
    const projectId = randomUUID();
    return new RunClient(api, await api.createKey([projectId], 'lifecycle-tests'), projectId);
  }

  /** `POST /runs`; expects 202 and returns the run envelope. */
  async create(body: RunBody): Promise<any> {
    const response = await requestJson(this.api.url, 'POST', '/runs', {
      key: this.key,
      body: { owner: { kind: 'project', id: this.projectId }, ...body },
    });
    if (response.status !== 202) throw new Error(`POST /runs answered ${response.status}: ${JSON.stringify(response.body)}`);
    this.created.push(response.body.run.run_id);
    return response.body.run;
  }

  /** Creates a task run for `target`; `request` adds request fields, `extra` top-level ones. */
  async task(target: string, request: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<any> {
    return this.create({ kind: 'task', request: { target, ...request }, ...extra });
  }

  /** Creates an agent run of `agentId` (`initial_status: running` makes the caller its executor). */
  async agent(agentId: string, request: Record<string, unknown> = {}): Promise<any> {
    return this.create({ kind: 'agent', request: { mode: 'agent', agent_id: agentId, implementation_kind: 'test', ...request } });
  }

  /** Any request to the API with this client's key. */
  async request(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: any }> {
    return requestJson(this.api.url, method, path, { key: this.key, ...(body !== undefined ? { body } : {}) });
  }

  /** `GET /runs/{id}`. */
  async get(runId: string): Promise<any> {
    const response = await this.request('GET', `/runs/${runId}`);
    if (response.status !== 200) throw new Error(`GET /runs/${runId} answered ${response.status}`);
    return response.body;
  }

  /** The run's event log (JSON form), unchecked. */
  async events(runId: string): Promise<ObservedRunEvent[]> {
    return readEventLog(this.api, this.key, runId);
  }

  /** The run's event log, failing unless it is a valid path through the transition table. */
  async validEvents(runId: string): Promise<ObservedRunEvent[]> {
    return expectValidEventLog(this.api, this.key, runId);
  }

  /** Resolves with the run once `predicate` holds (polling; rejects after `timeoutMs`). */
  async waitFor(runId: string, predicate: (run: any) => boolean, timeoutMs?: number): Promise<any> {
    return waitForRun(this.api, this.key, runId, predicate, timeoutMs);
  }

  /** Resolves with the run once it has `status`; fails at once if it ends in another terminal status. */
  async waitForStatus(runId: string, status: RunStatus, timeoutMs?: number): Promise<any> {
    const run = await this.waitFor(runId, (current) => current.status === status || isTerminalStatus(current.status), timeoutMs);
    if (run.status !== status) throw new Error(`run ${runId} ended ${run.status}, not ${status}: ${JSON.stringify(run)}`);
    return run;
  }

  /** Resolves with the event log once `predicate` holds for it (polling; rejects after `timeoutMs`). */
  async waitForEvents(runId: string, predicate: (events: ObservedRunEvent[]) => boolean, timeoutMs = 15_000): Promise<ObservedRunEvent[]> {
    const { value, done } = await pollUntil(() => this.events(runId), predicate, { timeoutMs, intervalMs: 25 });
    if (!done) throw new Error(`events of ${runId} did not reach the expected state in ${timeoutMs} ms; last seen: ${JSON.stringify(value)}`);
    return value;
  }

  /** Checks the event log of every run created since the last call, then forgets them. */
  async verifyEventLogs(): Promise<void> {
    const runs = this.created.splice(0);
    for (const runId of runs) await expectValidEventLog(this.api, this.key, runId);
  }
}

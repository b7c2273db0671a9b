import { RunqTimeoutError } from './errors.js';
import { streamRunEvents } from './event-stream.js';
import { Transport, type RequestOptions, type TransportOptions } from './http.js';
import { eachItem, queryOf, resourcePath, signalOf } from './request-parts.js';
import { scheduleMethods } from './schedules.js';
import { webhookMethods } from './webhooks.js';
import { webhookSubscriptionMethods } from './webhook-subscriptions.js';
import { batchMethods, bulkActionMethods } from './batches.js';
import {
  TERMINAL_STATUSES,
  type CompleteRunBody,
  type CreateRunBody,
  type CreateRunResult,
  type FailRunBody,
  type ListRunsFilter,
  type Run,
  type RunEvent,
  type ReplayResult,
  type RunPage,
  type WaitRunBody,
  type Whoami,
} from './types.js';

/** Options of {@link RunqClient.runs.create}. */
export interface CreateRunOptions extends RequestOptions {
  /**
   * Makes the request safe to retry: the same key always maps to the same `public_id`, so a
   * repeated create returns the first run (`duplicate: true`) instead of creating another.
   */
  idempotencyKey?: string;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The `public_id` an idempotency key stands for (`idem_` and 40 hex digits of its SHA-256). */
export async function publicIdFor(idempotencyKey: string): Promise<string> {
  return `idem_${(await sha256Hex(idempotencyKey)).slice(0, 40)}`;
}

function runPath(runId: string, action?: string): string {
  return resourcePath('runs', runId, action);
}

/** A typed client of the runq API. */
export type RunqClient = ReturnType<typeof createRunqClient>;

/**
 * Creates a client. Every method accepts an `AbortSignal`; problems become
 * `RunqProblemError`; 429 and 503 answers are retried as `Retry-After` says.
 *
 * @example
 * const runq = createRunqClient({ baseUrl: 'http://127.0.0.1:3000', token: process.env.RUNQ_API_KEY! });
 * const { run } = await runq.runs.create(
 *   { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'resize-image' } },
 *   { idempotencyKey: `resize:${imageId}` },
 * );
 * const done = await runq.runs.waitFor(run.run_id, { timeoutMs: 60_000 });
 */
export function createRunqClient(options: TransportOptions) {
  const transport = new Transport(options);
  const runs = {
    /** Creates a run (`POST /runs`). */
    async create(body: CreateRunBody, opts: CreateRunOptions = {}): Promise<CreateRunResult> {
      const sent = opts.idempotencyKey === undefined ? body : { ...body, public_id: await publicIdFor(opts.idempotencyKey) };
      return transport.json<CreateRunResult>('POST', 'runs', { body: sent, ...signalOf(opts) });
    },
    /** Reads a run. */
    get(runId: string, opts: RequestOptions = {}): Promise<Run> {
      return transport.json<Run>('GET', runPath(runId), signalOf(opts));
    },
    /** One page of runs, newest first. */
    listPage(filter: ListRunsFilter & { cursor?: string } = {}, opts: RequestOptions = {}): Promise<RunPage> {
      return transport.json<RunPage>('GET', `runs${queryOf(filter)}`, signalOf(opts));
    },
    /** Every run matching `filter`, newest first, fetching pages as the iteration goes. */
    list(filter: ListRunsFilter = {}, opts: RequestOptions = {}): AsyncGenerator<Run> {
      return eachItem((cursor) => runs.listPage({ ...filter, ...(cursor ? { cursor } : {}) }, opts));
    },
    /** Cancels a run and its descendants. */
    cancel(runId: string, opts: RequestOptions = {}): Promise<Run> {
      return transport.json<Run>('POST', runPath(runId, 'cancel'), signalOf(opts));
    },
    /** Creates a new run from a finished run's stored request (`POST /runs/{id}/replay`); it names the original in `metadata.replay_of`. */
    replay(runId: string, opts: RequestOptions = {}): Promise<ReplayResult> {
      return transport.json<ReplayResult>('POST', runPath(runId, 'replay'), signalOf(opts));
    },
    /** Resumes a waiting run with `data`. */
    resume(runId: string, data: unknown, opts: RequestOptions = {}): Promise<Run> {
      return transport.json<Run>('POST', runPath(runId, 'resume'), { body: { data }, ...signalOf(opts) });
    },
    /** Reports the result of a run the caller executes. */
    complete(runId: string, body: CompleteRunBody, opts: RequestOptions = {}): Promise<Run> {
      return transport.json<Run>('POST', runPath(runId, 'complete'), { body, ...signalOf(opts) });
    },
    /** Reports the failure of a run the caller executes. */
    fail(runId: string, body: FailRunBody, opts: RequestOptions = {}): Promise<Run> {
      return transport.json<Run>('POST', runPath(runId, 'fail'), { body, ...signalOf(opts) });
    },
    /** Reports that a run the caller executes is waiting. */
    wait(runId: string, body: WaitRunBody, opts: RequestOptions = {}): Promise<Run> {
      return transport.json<Run>('POST', runPath(runId, 'wait'), { body, ...signalOf(opts) });
    },
    /** The run's event log so far. */
    async eventLog(runId: string, opts: RequestOptions = {}): Promise<RunEvent[]> {
      return (await transport.json<{ data: RunEvent[] }>('GET', runPath(runId, 'events'), signalOf(opts))).data;
    },
    /** The run's events as they happen; ends after the terminal event. */
    events(runId: string, opts: RequestOptions = {}): AsyncGenerator<RunEvent> {
      return streamRunEvents(transport, runId, opts.signal);
    },
    /**
     * Resolves with the run once it is completed, failed or cancelled; rejects with
     * `RunqTimeoutError` after `timeoutMs` (default: no limit).
     */
    async waitFor(runId: string, opts: RequestOptions & { timeoutMs?: number } = {}): Promise<Run> {
      const controller = new AbortController();
      const forward = () => controller.abort(opts.signal?.reason);
      opts.signal?.addEventListener('abort', forward, { once: true });
      let timedOut = false;
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              controller.abort();
            }, opts.timeoutMs);
      try {
        const current = await runs.get(runId, { signal: controller.signal });
        if (TERMINAL_STATUSES.has(current.status)) return current;
        for await (const event of streamRunEvents(transport, runId, controller.signal)) {
          if (TERMINAL_STATUSES.has(event.to_status)) break;
        }
        return await runs.get(runId, { signal: controller.signal });
      } catch (error) {
        if (timedOut) throw new RunqTimeoutError(runId, opts.timeoutMs ?? 0);
        throw error;
      } finally {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', forward);
      }
    },
  };
  /**
   * The caller the token stands for and the projects it reaches (`GET /whoami`).
   *
   * @example
   * const { projects } = await runq.whoami();
   * const projectId = projects.length === 1 ? projects[0] : chooseProject(projects);
   */
  function whoami(opts: RequestOptions = {}): Promise<Whoami> {
    return transport.json<Whoami>('GET', 'whoami', signalOf(opts));
  }
  return {
    runs,
    whoami,
    schedules: scheduleMethods(transport),
    webhooks: webhookMethods(transport),
    webhookSubscriptions: webhookSubscriptionMethods(transport),
    batches: batchMethods(transport),
    bulkActions: bulkActionMethods(transport),
  };
}

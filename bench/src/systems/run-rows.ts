import { createHash } from 'node:crypto';
import type { NewRunRow } from '@runq/db';
import { newRunId } from '@runq/runs';

/** The body of one `POST /runs`: a task run for the no-op handler, as a client would send it. */
export function taskRequest(projectId: string, seq: number, sentAt: number): { kind: 'task'; owner: { kind: 'project'; id: string }; request: { target: string; name: string; config: Record<string, number> } } {
  return { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'noop', name: 'bench', config: { seq, sent_at: sentAt } } };
}

/**
 * The row `RunIngest.createRun` stores for {@link taskRequest}: the same columns and values
 * (a stand-in request hash; the API's is the SHA-256 of the canonical body). Used where the
 * bench writes runs without the API: the floor, the plans and the what-if experiments.
 */
export function taskRunRow(projectId: string, seq: number, sentAt: number): NewRunRow {
  const body = taskRequest(projectId, seq, sentAt);
  const now = Date.now();
  const id = newRunId(now);
  const at = new Date(now);
  return {
    id,
    project_id: projectId,
    kind: 'task',
    status: 'pending',
    executor: 'worker',
    owner_kind: 'project',
    owner_id: projectId,
    public_id: null,
    request_hash: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
    request: JSON.stringify(body),
    parent_run_id: null,
    root_run_id: id,
    metadata: JSON.stringify({ name: body.request.name }),
    target: body.request.target,
    workflow_id: null,
    batch_id: null,
    runtime_target_kind: null,
    runtime_target_environment_id: null,
    runtime_target_branch_id: null,
    input: null,
    config: JSON.stringify(body.request.config),
    start_mode: null,
    timeout_seconds: null,
    backoff_limit: null,
    trigger_kind: 'api',
    created_by: 'api_key:bench',
    conversation_id: null,
    message_id: null,
    attempt: 0,
    job_id: id,
    created_at: at,
    updated_at: at,
    started_at: null,
  };
}

/** The data runq stores on a run's first event. */
export const CREATED_EVENT_DATA = { trigger_kind: 'api', created_by: 'api_key:bench' };

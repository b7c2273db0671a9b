import { newRunRow, type NewRunRow } from '@runq/db';
import { requestedRunFields } from '@runq/engine';
import { newRunId } from '@runq/runs';

/** The body of one `POST /runs`: a task run for the no-op handler, as a client would send it. */
export function taskRequest(
  projectId: string,
  seq: number,
  sentAt: number,
): { kind: 'task'; owner: { kind: 'project'; id: string }; request: { target: string; name: string; config: Record<string, number> } } {
  return { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'noop', name: 'bench', config: { seq, sent_at: sentAt } } };
}

/**
 * The row `RunIngest.createRun` stores for {@link taskRequest}, built by the same functions.
 * Used where the bench writes runs without the API: the floor, the plans and the what-if experiments.
 */
export function taskRunRow(projectId: string, seq: number, sentAt: number): NewRunRow {
  const body = taskRequest(projectId, seq, sentAt);
  const { executedByCaller, ...columns } = requestedRunFields(body);
  return newRunRow({
    creation: executedByCaller ? 'start' : 'create',
    id: newRunId(),
    projectId,
    kind: body.kind,
    owner: body.owner,
    request: body,
    columns,
    trigger: { kind: 'api' },
    createdBy: 'api_key:bench',
  });
}

/** The data runq stores on a run's first event. */
export const CREATED_EVENT_DATA = { trigger_kind: 'api', created_by: 'api_key:bench' };

import { newRunRow, type NewRunRow } from '@runq/db';

/**
 * A pending task run of `projectId` as the store keeps it, for tests that write runs through the
 * repository functions rather than the API. `id` is the caller's (a run id; its time part is
 * what listings read as the creation time). `storedAt` overrides its creation and update times,
 * as runs stored before they were aligned with the id could have them.
 */
export function taskRunRow(id: string, projectId: string, storedAt?: Date): NewRunRow {
  const row = newRunRow({
    creation: 'create',
    id,
    projectId,
    kind: 'task',
    owner: { kind: 'project', id: projectId },
    request: { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'noop' } },
    columns: {
      target: 'noop',
      workflow_id: null,
      batch_id: null,
      runtime_target_kind: null,
      runtime_target_environment_id: null,
      runtime_target_branch_id: null,
      input: null,
      config: null,
      start_mode: null,
      timeout_seconds: null,
      backoff_limit: null,
      metadata: null,
    },
    trigger: { kind: 'api' },
    createdBy: 'test',
  });
  return storedAt ? { ...row, created_at: storedAt, updated_at: storedAt } : row;
}

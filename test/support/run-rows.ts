import type { NewRunRow } from '@runq/db';

/**
 * A pending task run of `projectId` as the store keeps it, for tests that write runs through the
 * repository functions rather than the API. `id` is the caller's (a run id; its time part is
 * what listings read as the creation time).
 */
export function taskRunRow(id: string, projectId: string, createdAt: Date): NewRunRow {
  return {
    id,
    project_id: projectId,
    kind: 'task',
    status: 'pending',
    owner_kind: 'project',
    owner_id: projectId,
    request_hash: 'hash',
    request: '{"kind":"task"}',
    root_run_id: id,
    target: 'noop',
    job_id: id,
    created_at: createdAt,
    updated_at: createdAt,
  };
}

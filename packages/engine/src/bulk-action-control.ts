import { createHash, randomUUID } from 'node:crypto';
import {
  abortBulkAction,
  countRuns,
  findBulkAction,
  insertBulkAction,
  toJson,
  type BulkActionKind,
  type BulkActionRow,
  type BulkRunFilter,
  type Db,
} from '@runq/db';
import { BulkActionNotFoundError, type RunKind, type RunOwnerKind, type RunStatus } from '@runq/runs';
import type { RunCreator } from './run-ingest.js';

/**
 * The runs a bulk action covers, as stored with it: the `GET /runs` filters by their query
 * names, values as given (already checked), with the creation window required.
 */
export interface BulkActionFilter {
  created_after: string;
  created_before: string;
  owner_kind?: string;
  owner_id?: string;
  kind?: string;
  status?: string;
  batch_id?: string;
  schedule_id?: string;
  parent_run_id?: string;
  root_run_id?: string;
  error_code?: string;
}

/** A bulk action to start (see {@link BulkActionControl.create}). */
export interface BulkActionRequest {
  action: BulkActionKind;
  filter: BulkActionFilter;
  /** The client's id for the action: a repeat with the same id returns the same action. */
  id?: string | undefined;
  /** An `Idempotency-Key` header: stands for an id derived from it and the project. */
  idempotencyKey?: string | undefined;
}

/** The store filter of a stored bulk action filter, in project `projectId`. */
export function bulkRunFilterOf(filter: BulkActionFilter, projectId: string): BulkRunFilter {
  return {
    projectIds: [projectId],
    createdAfter: new Date(filter.created_after),
    createdBefore: new Date(filter.created_before),
    ...(filter.owner_kind ? { ownerKind: filter.owner_kind as RunOwnerKind } : {}),
    ...(filter.owner_id ? { ownerId: filter.owner_id.toLowerCase() } : {}),
    ...(filter.kind ? { kind: filter.kind as RunKind } : {}),
    ...(filter.status ? { status: filter.status as RunStatus } : {}),
    ...(filter.batch_id ? { batchId: filter.batch_id.toLowerCase() } : {}),
    ...(filter.schedule_id ? { scheduleId: filter.schedule_id.toLowerCase() } : {}),
    ...(filter.parent_run_id ? { parentRunId: filter.parent_run_id } : {}),
    ...(filter.root_run_id ? { rootRunId: filter.root_run_id } : {}),
    ...(filter.error_code ? { errorCode: filter.error_code } : {}),
  };
}

/**
 * Bulk actions as the API sees them: started (or counted, for a dry run), read, aborted. The
 * work itself is done by workers ({@link BulkActionExecutor}). An action belongs to the
 * caller's first project and covers only its runs.
 */
export class BulkActionControl {
  constructor(private readonly db: Db) {}

  /** How many runs `filter` matches now in the caller's project (a dry run). */
  async count(caller: RunCreator, filter: BulkActionFilter): Promise<number> {
    const projectId = caller.projectIds[0];
    return projectId === undefined ? 0 : countRuns(this.db, bulkRunFilterOf(filter, projectId));
  }

  /**
   * Starts a bulk action, `queued` for a worker; a repeat with the same id (or `Idempotency-Key`)
   * returns the action it started, whatever its body.
   */
  async create(caller: RunCreator, request: BulkActionRequest): Promise<BulkActionRow> {
    const projectId = caller.projectIds[0];
    const id = request.id?.toLowerCase() ?? (request.idempotencyKey !== undefined && projectId ? idFromKey(projectId, request.idempotencyKey) : randomUUID());
    if (projectId === undefined) throw new BulkActionNotFoundError(id);
    const existing = await findBulkAction(this.db, id, caller.projectIds);
    if (existing) return existing;
    const matched = await countRuns(this.db, bulkRunFilterOf(request.filter, projectId));
    const inserted = await insertBulkAction(this.db, {
      id,
      project_id: projectId,
      action: request.action,
      filter: toJson(request.filter),
      status: 'queued',
      matched,
      created_by: caller.name,
    });
    if (inserted) return inserted;
    // Taken meanwhile: by a repeat of this request, or (an id chosen by a client of another
    // project) by an action this caller may not see, which is then not found.
    const raced = await findBulkAction(this.db, id, caller.projectIds);
    if (!raced) throw new BulkActionNotFoundError(id);
    return raced;
  }

  /** Bulk action `id` of the caller's projects; {@link BulkActionNotFoundError} otherwise. */
  async get(caller: RunCreator, id: string): Promise<BulkActionRow> {
    const action = await findBulkAction(this.db, id.toLowerCase(), caller.projectIds);
    if (!action) throw new BulkActionNotFoundError(id);
    return action;
  }

  /** Aborts bulk action `id` if still open (workers stop between chunks); the action as it then stands. */
  async abort(caller: RunCreator, id: string): Promise<BulkActionRow> {
    const action = await abortBulkAction(this.db, id.toLowerCase(), caller.projectIds);
    if (!action) throw new BulkActionNotFoundError(id);
    return action;
  }
}

/** A UUID derived from a project and an `Idempotency-Key`, so a repeated key names the same action. */
function idFromKey(projectId: string, key: string): string {
  const hex = createHash('sha256').update(`${projectId}\n${key}`).digest('hex');
  // Shaped as a version 8 (custom) UUID with the RFC 9562 variant.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

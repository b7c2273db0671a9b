import type { Db, NewRunRow, RunRow } from '@runq/db';
import type { PolicySubject, RunAdmissionPlan, RunOwnerKind } from '@runq/runs';
import type { ConversationPlan } from './run-ownership.js';

/** The key of a `public_id` in its owner's scope. */
export function publicIdKey(owner: { kind: string; id: string }, publicId: string): string {
  return `${owner.kind}/${owner.id}/${publicId}`;
}

/** A run ready to be written, with what its write and its dispatch need (see `RunIngest.prepare`). */
export interface PreparedRun {
  owner: { kind: RunOwnerKind; id: string };
  projectId: string;
  idempotency: { publicId: string; hash: string } | undefined;
  row: NewRunRow;
  plan: ConversationPlan;
  admission: RunAdmissionPlan | undefined;
  unserved: string | undefined;
  fairShare: boolean;
  /** Written in the run's transaction (`RunCreationOptions.alongside`). */
  alongside: ((trx: Db, run: RunRow) => Promise<void>) | undefined;
}

export function isPrepared<Other extends object>(value: PreparedRun | Other): value is PreparedRun {
  return 'row' in value;
}

/** A run with no conversation to create, no message, no admission, no hold and nothing written alongside: inserted in a shared statement. */
export function isPlain(prepared: PreparedRun): boolean {
  return !prepared.plan.create && !prepared.plan.message && !prepared.admission && !prepared.unserved && !prepared.alongside;
}

/** The data of a new run's first event. */
export function eventDataOf(row: NewRunRow, admission: RunAdmissionPlan | undefined): Record<string, unknown> {
  return {
    trigger_kind: row.trigger_kind,
    ...(row.trigger_id ? { trigger_id: row.trigger_id } : {}),
    created_by: row.created_by,
    ...(admission ? { policies: admission.policies } : {}),
  };
}

/** A run as stored, and the runs its `cancel_in_progress` policy cancelled. */
export interface StoredRun {
  run: RunRow;
  cancelled: RunRow[];
}

/** What flow control reads of a new run (its row, with its metadata before serialisation). */
export function admissionSubject(row: NewRunRow, metadata: unknown): PolicySubject {
  return {
    kind: row.kind,
    target: row.target ?? null,
    workflow_id: row.workflow_id ?? null,
    owner_kind: row.owner_kind,
    owner_id: row.owner_id,
    conversation_id: row.conversation_id ?? null,
    parent_run_id: row.parent_run_id ?? null,
    metadata,
    created_at: new Date(row.created_at),
  };
}

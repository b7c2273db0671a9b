import { validateCreateRunRequest, type CreateRunRequest } from '@runq/contract';
import { findRun, type Db, type RunRow } from '@runq/db';
import { InvalidRunRequestError, InvalidTransitionError, RunNotFoundError, isTerminalStatus } from '@runq/runs';
import type { CreatedRun, RunCreator, RunIngest } from './run-ingest.js';

/**
 * Replays: a finished run created again from its stored request, as a new run with
 * `trigger_kind` `manual`, `trigger_id` and `metadata.replay_of` naming the original
 * (docs/decisions/0019-batches-and-bulk-actions.md).
 */
export class RunReplay {
  constructor(
    private readonly db: Db,
    private readonly ingest: RunIngest,
  ) {}

  /**
   * Replays run `runId` of the caller's projects: {@link RunNotFoundError} when it is not
   * theirs, {@link InvalidTransitionError} when it has not finished.
   */
  async replay(caller: RunCreator, runId: string): Promise<CreatedRun> {
    const original = await findRun(this.db, runId, caller.projectIds);
    if (!original) throw new RunNotFoundError(runId);
    const [result] = await this.replayRuns(caller, [original], () => undefined);
    if (!result) throw new Error('a replay gave no result');
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  }

  /**
   * Replays finished runs at once (one batched insert, one bulk add per queue). `publicIdOf`
   * gives a replay its `public_id`: a bulk action derives it from itself and the original, so
   * replaying the same original twice is an idempotent duplicate. One settled result per run.
   */
  async replayRuns(
    caller: RunCreator,
    originals: readonly RunRow[],
    publicIdOf: (original: RunRow) => string | undefined,
  ): Promise<PromiseSettledResult<CreatedRun>[]> {
    const bodies: (CreateRunRequest | Error)[] = originals.map((original) => replayBody(original, publicIdOf(original)));
    const valid = bodies.flatMap((body, index) => (body instanceof Error ? [] : [{ body, original: originals[index] as RunRow }]));
    const created = await this.ingest.createRuns(
      caller,
      valid.map(({ body, original }) => ({
        body,
        trigger: { kind: 'manual', id: original.id },
        options: { metadata: { replay_of: original.id }, request: withoutPublicId(body) },
      })),
    );
    let next = 0;
    return bodies.map((body): PromiseSettledResult<CreatedRun> => {
      if (body instanceof Error) return { status: 'rejected', reason: body };
      return created[next++] ?? { status: 'rejected', reason: new Error('a replay gave no result') };
    });
  }
}

/** The body a replay of `original` is created from: its stored request, with the replay's own `public_id` or none. */
function replayBody(original: RunRow, publicId: string | undefined): CreateRunRequest | Error {
  if (!isTerminalStatus(original.status)) return new InvalidTransitionError(original.id, 'create', original.status, 'only a finished run can be replayed');
  const validation = validateCreateRunRequest(withoutPublicId(original.request));
  if (!validation.ok) return new InvalidRunRequestError('/', 'the stored request no longer matches the POST /runs contract');
  return publicId === undefined ? validation.value : { ...validation.value, public_id: publicId };
}

function withoutPublicId(request: unknown): unknown {
  if (typeof request !== 'object' || request === null) return request;
  const { public_id: _publicId, ...rest } = request as Record<string, unknown>;
  return rest;
}

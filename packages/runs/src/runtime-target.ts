/**
 * Where a run executes (DESIGN "Flow control and routing"). A run's runtime target is
 * `main_branch` (also when it names none), `environment:<uuid>` or `preview_branch:<uuid>`; a
 * worker serves the targets it was started with (`--runtime-target`, repeatable), `main_branch`
 * when it names none. A run is only ever given to a worker that serves its target.
 */

/** The target of a run that names none, and of a worker started without `--runtime-target`. */
export const DEFAULT_RUNTIME_TARGET = 'main_branch';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The runtime target columns of a run. */
export interface RuntimeTargetFields {
  runtime_target_kind?: string | null | undefined;
  runtime_target_environment_id?: string | null | undefined;
  runtime_target_branch_id?: string | null | undefined;
}

/**
 * The runtime target of a run. An `environment` or `preview_branch` run without its id has the
 * bare kind as its target, which no worker can serve: it waits, held for `no_worker`, where an
 * operator sees it, rather than run somewhere it was not meant to.
 */
export function runtimeTargetOf(run: RuntimeTargetFields): string {
  const kind = run.runtime_target_kind ?? null;
  switch (kind) {
    case null:
    case 'main_branch':
      return DEFAULT_RUNTIME_TARGET;
    case 'environment':
      return run.runtime_target_environment_id ? `environment:${run.runtime_target_environment_id.toLowerCase()}` : 'environment';
    case 'preview_branch':
      return run.runtime_target_branch_id ? `preview_branch:${run.runtime_target_branch_id.toLowerCase()}` : 'preview_branch';
    default:
      return kind;
  }
}

/**
 * Reads a `--runtime-target` value: `main_branch`, `environment:<uuid>` or
 * `preview_branch:<uuid>`. Returns the target, or an error message saying what is expected.
 */
export function parseRuntimeTarget(text: string): { target: string } | { error: string } {
  const value = text.trim().toLowerCase();
  if (value === DEFAULT_RUNTIME_TARGET) return { target: value };
  const [kind, id, ...rest] = value.split(':');
  if ((kind === 'environment' || kind === 'preview_branch') && id !== undefined && UUID.test(id) && rest.length === 0) return { target: `${kind}:${id}` };
  return { error: `must be main_branch, environment:<uuid> or preview_branch:<uuid> (got ${JSON.stringify(text)})` };
}

/**
 * The place held runs of `kind` wait in while no live worker serves `target` (a bucket of
 * `run_holds`; no flow-control bucket starts with this prefix).
 */
export function targetHoldBucket(kind: string, target: string): string {
  return `${TARGET_HOLD_PREFIX}${kind}/${target}`;
}

/** The prefix of {@link targetHoldBucket}s. */
export const TARGET_HOLD_PREFIX = 'worker-target:';

/** The kind and target of a {@link targetHoldBucket}, or undefined for another bucket. */
export function parseTargetHoldBucket(bucket: string): { kind: string; target: string } | undefined {
  if (!bucket.startsWith(TARGET_HOLD_PREFIX)) return undefined;
  const rest = bucket.slice(TARGET_HOLD_PREFIX.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? undefined : { kind: rest.slice(0, slash), target: rest.slice(slash + 1) };
}

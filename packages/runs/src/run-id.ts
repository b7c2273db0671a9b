import { randomBytes, randomFillSync } from 'node:crypto';
import { decodeTime, encodeTime, monotonicFactory } from 'ulid';

/**
 * ulid's default generator asks the system for one random byte per character; drawing from a
 * pool refilled 4 KiB at a time gives the same cryptographic randomness for a fraction of the
 * cost on a busy ingest path.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function pooledRandom(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const byte = pool[poolOffset] ?? 0;
  poolOffset += 1;
  return byte / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

/** Every run id starts with this prefix. */
export const RUN_ID_PREFIX = 'run_';

/**
 * A new run id: `run_` and a ULID. ULIDs sort by creation time (millisecond prefix, and
 * monotonic within one process), so `ORDER BY id DESC` lists the newest runs first and keyset
 * pagination needs no separate timestamp column. Pass `at` (ms since the epoch) to make the
 * id's time part equal the run's `created_at`.
 *
 * @example newRunId() // 'run_01JDX3Q8Z1R6M1V2X8B3C4D5E6'
 */
export function newRunId(at: number = Date.now()): string {
  return RUN_ID_PREFIX + nextUlid(at);
}

/** The time a run id carries (ms since the epoch): its ULID's time part, which is the run's `created_at`. */
export function runIdTime(id: string): number {
  return decodeTime(id.slice(RUN_ID_PREFIX.length));
}

/** Characters of a ULID's time part, and the largest time it can hold (48 bits). */
const TIME_CHARS = 10;
const MAX_ULID_TIME = 2 ** 48 - 1;
const RANDOM_CHARS = 16;

/** The lowest and highest run ids of one millisecond. */
function firstIdOf(ms: number): string {
  return RUN_ID_PREFIX + encodeTime(ms, TIME_CHARS) + '0'.repeat(RANDOM_CHARS);
}
function lastIdOf(ms: number): string {
  return RUN_ID_PREFIX + encodeTime(ms, TIME_CHARS) + 'Z'.repeat(RANDOM_CHARS);
}

/**
 * A creation-time window as a range of run ids: a run created after `after` (exclusive) has
 * an id above `above`, and one created before `before` (exclusive) an id below `below`, and
 * conversely. Exact because a run's `created_at` is its id's time part (see `RunIngest`), so a
 * listing by creation time is a range scan of an index ending in `id`, in the order it is
 * listed, whatever the number of runs in the window. A side left open has no bound.
 */
export function runIdRange(window: { after?: Date | undefined; before?: Date | undefined }): { above?: string; below?: string } {
  const range: { above?: string; below?: string } = {};
  // Times before the epoch precede every id; times past the last a ULID holds follow them all.
  const after = window.after?.getTime();
  if (after !== undefined && after >= 0) range.above = lastIdOf(Math.min(after, MAX_ULID_TIME));
  const before = window.before?.getTime();
  if (before !== undefined && before <= MAX_ULID_TIME) range.below = firstIdOf(Math.max(before, 0));
  return range;
}

/** True when `value` has the shape of a run id (it may still not exist). */
export function isRunIdShape(value: string): boolean {
  return /^run_[0-9A-HJKMNP-TV-Z]{26}$/.test(value);
}

/**
 * A queue job id for a new dispatch of a run (a retry, a resume, a repair): the run id and a
 * random suffix, so it never collides with an earlier job of the same run that the queue still
 * remembers. The first dispatch uses the run id itself.
 */
export function newDispatchId(runId: string): string {
  return `${runId}.${randomBytes(6).toString('hex')}`;
}

/** A UUID in its text form, any letter case (project, schedule, webhook, batch ids). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

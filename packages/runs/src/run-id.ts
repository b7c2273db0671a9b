import { randomBytes, randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

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

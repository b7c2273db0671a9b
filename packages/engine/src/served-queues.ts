import { listServedSlots, type Db } from '@runq/db';

/** How long the live workers' queues are reused before being read again (ms). */
const SERVED_CACHE_MS = 1_000;

/** A queue's key in the map {@link ServedQueues.read} returns: its kind and runtime target. */
export function servedQueueKey(kind: string, target: string): string {
  return `${kind}/${target}`;
}

/**
 * The queues (kind and runtime target) live workers serve, with their slots on each: one read of
 * `worker_targets` per cache period per process, shared by routing (is a target served?) and
 * fair share (how large is a project's share?). A failed read is not cached.
 */
export class ServedQueues {
  private cached: { at: number; slots: Promise<ReadonlyMap<string, number>> } | undefined;

  constructor(private readonly db: Db) {}

  /** The slots live workers have on the queue of `kind` for `target` (undefined: none serves it). */
  async slotsOf(kind: string, target: string): Promise<number | undefined> {
    return (await this.current()).get(servedQueueKey(kind, target));
  }

  /** Read now, not from the cache: the queues served with their slots. */
  static async read(db: Db): Promise<ReadonlyMap<string, number>> {
    return new Map((await listServedSlots(db)).map((row) => [servedQueueKey(row.kind, row.target), row.slots]));
  }

  private current(): Promise<ReadonlyMap<string, number>> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= SERVED_CACHE_MS) {
      const slots = ServedQueues.read(this.db);
      this.cached = { at: now, slots };
      slots.catch(() => {
        if (this.cached?.slots === slots) this.cached = undefined;
      });
    }
    return this.cached.slots;
  }
}

/** What a {@link MicroBatcher} does with the items it gathers. */
export interface MicroBatcherOptions<I, O> {
  /** Handles several items at once (one statement, one commit); one result per item, in order. */
  runBatch(items: readonly I[]): Promise<O[]>;
  /**
   * Handles one item alone: a lone item, and every item of a batch that failed, so that one
   * bad item (a constraint it breaks) fails its own caller only. Default: `runBatch` of that
   * one item.
   */
  runOne?(item: I): Promise<O>;
  /** Most items in one batch. */
  maxBatch: number;
  /** Most batches running at once (at most the connections the pool can give them). */
  maxInFlight: number;
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Gathers concurrent calls into batches: items submitted while the batcher's slots are busy
 * (or in the same turn of the event loop) go out together in one call of `runBatch`, and each
 * caller gets its own item's result once that call has finished (for a write, once it has
 * committed). Nothing waits on a timer: a lone item goes out on the next turn of the event
 * loop, so batching costs no latency when the load is light and saves commits when it is not.
 *
 * A commit costs about the same whether it carries one row or fifty, so under load batching
 * turns commits per second into far more rows per second (docs/decisions/0003-run-writes-in-batches.md).
 */
export class MicroBatcher<I, O> {
  private readonly waiting: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly options: MicroBatcherOptions<I, O>) {}

  /** Handles `item` in the next batch; resolves with its result. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a slot. */
  get backlog(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight) return;
    this.scheduled = true;
    // setImmediate, not a timer: it runs after the I/O callbacks of this turn, so requests
    // that arrived together are gathered, and adds no delay of its own.
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.inFlight < this.options.maxInFlight) {
      // Spread what is waiting over the free slots, so that batches run side by side rather
      // than one large batch leaving the other connections idle.
      const free = this.options.maxInFlight - this.inFlight;
      const size = Math.min(this.options.maxBatch, Math.max(1, Math.ceil(this.waiting.length / free)));
      const batch = this.waiting.splice(0, size);
      this.inFlight += 1;
      void this.execute(batch).finally(() => {
        this.inFlight -= 1;
        if (this.waiting.length > 0) this.schedule();
      });
    }
  }

  private async runOne(item: I): Promise<O> {
    if (this.options.runOne) return this.options.runOne(item);
    const [result] = await this.options.runBatch([item]);
    return result as O;
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    if (batch.length > 1) {
      let results: O[] | undefined;
      try {
        results = await this.options.runBatch(batch.map((entry) => entry.item));
      } catch {
        // Nothing of a failed batch was applied (one statement): each item is tried alone below.
      }
      if (results) {
        batch.forEach((entry, index) => entry.resolve(results[index] as O));
        return;
      }
    }
    await Promise.all(
      batch.map(async (entry) => {
        try {
          entry.resolve(await this.runOne(entry.item));
        } catch (error) {
          entry.reject(error);
        }
      }),
    );
  }
}

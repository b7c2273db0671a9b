/** Why an attempt's signal fired. */
export type AbortCause = 'cancelled' | 'timeout' | 'claim_lost' | 'shutdown';

/** The abort reason carried by `ctx.signal` (`signal.reason`). */
export class AttemptAborted extends Error {
  override readonly name = 'AttemptAborted';
  constructor(override readonly cause: AbortCause) {
    super(`attempt aborted: ${cause}`);
  }
}

/** The attempts this process is running, by run id, so a cancellation can reach them. */
export class ActiveAttempts {
  private readonly attempts = new Map<string, AbortController>();

  /** Registers an attempt; the returned function unregisters it. */
  register(runId: string, controller: AbortController): () => void {
    this.attempts.set(runId, controller);
    return () => {
      if (this.attempts.get(runId) === controller) this.attempts.delete(runId);
    };
  }

  /** Aborts the attempt of `runId` if this process runs it; true when it did. */
  abort(runId: string, cause: AbortCause): boolean {
    const controller = this.attempts.get(runId);
    if (!controller || controller.signal.aborted) return false;
    controller.abort(new AttemptAborted(cause));
    return true;
  }

  /** Aborts every attempt (shutdown after the grace period). */
  abortAll(cause: AbortCause): void {
    for (const runId of [...this.attempts.keys()]) this.abort(runId, cause);
  }

  get size(): number {
    return this.attempts.size;
  }
}

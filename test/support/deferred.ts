/** A promise with its resolve function, for handlers that a test releases or that report to it. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  readonly settled: boolean;
}

/** A new {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let settled = false;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return {
    promise,
    resolve(value: T) {
      settled = true;
      resolve(value);
    },
    get settled() {
      return settled;
    },
  };
}

/**
 * Deferreds by key, created on first use from either side: a handler can wait on
 * `gates.get(key).promise` before or after the test calls `gates.get(key).resolve()`.
 */
export class Gates<T = void> {
  private readonly byKey = new Map<string, Deferred<T>>();

  get(key: string): Deferred<T> {
    let gate = this.byKey.get(key);
    if (!gate) {
      gate = deferred<T>();
      this.byKey.set(key, gate);
    }
    return gate;
  }

  /** Releases every gate (so that no handler stays blocked after a test). */
  releaseAll(value: T): void {
    for (const gate of this.byKey.values()) if (!gate.settled) gate.resolve(value);
  }
}

/**
 * `work`'s outcome, or a rejection with `timeoutError()` once `ms` have passed first. The work
 * is not cancelled: it may still settle later, and that outcome is then ignored (never an
 * unhandled rejection).
 *
 * @example await withTimeout(queue.add(job), 5_000, () => new Error('the queue did not answer'));
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

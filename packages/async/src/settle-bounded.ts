/**
 * `task` of every item, at most `limit` at once (so that many items that each query do not take
 * every pooled connection at once), each result settled, in order, as `Promise.allSettled` gives them.
 *
 * @example const results = await settleBounded(bodies, 16, (body) => prepare(body));
 */
export async function settleBounded<I, O>(items: readonly I[], limit: number, task: (item: I) => Promise<O>): Promise<PromiseSettledResult<O>[]> {
  const results: PromiseSettledResult<O>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await task(items[index] as I) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

import { MicroBatcher } from './micro-batcher.js';

function recorder(options: { maxBatch?: number; maxInFlight?: number; failBatch?: boolean; failItem?: number } = {}) {
  const batches: number[][] = [];
  const alone: number[] = [];
  const batcher = new MicroBatcher<number, string>({
    runBatch: async (items) => {
      batches.push([...items]);
      if (options.failBatch) throw new Error('batch failed');
      return items.map((item) => `batch:${item}`);
    },
    runOne: async (item) => {
      alone.push(item);
      if (item === options.failItem) throw new Error(`item ${item} failed`);
      return `one:${item}`;
    },
    maxBatch: options.maxBatch ?? 100,
    maxInFlight: options.maxInFlight ?? 1,
  });
  return { batcher, batches, alone };
}

describe('MicroBatcher', () => {
  it('when items are submitted together, then they go out in one batch and each caller gets its own result', async () => {
    const { batcher, batches } = recorder();
    const results = await Promise.all([1, 2, 3].map((item) => batcher.submit(item)));
    expect(results).toEqual(['batch:1', 'batch:2', 'batch:3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('when one item is submitted alone, then it is handled alone', async () => {
    const { batcher, batches, alone } = recorder();
    await expect(batcher.submit(7)).resolves.toBe('one:7');
    expect(batches).toEqual([]);
    expect(alone).toEqual([7]);
  });

  it('when more items wait than a batch holds, then they are split over batches of at most maxBatch', async () => {
    const { batcher, batches } = recorder({ maxBatch: 2, maxInFlight: 1 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((item) => batcher.submit(item)));
    expect(results).toHaveLength(5);
    expect(batches.every((batch) => batch.length <= 2)).toBe(true);
    expect(batches.flat().length + results.filter((result) => result.startsWith('one:')).length).toBe(5);
  });

  it('when several slots are free, then the waiting items are spread over them', async () => {
    const { batcher, batches } = recorder({ maxInFlight: 2 });
    await Promise.all([1, 2, 3, 4].map((item) => batcher.submit(item)));
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('when a batch fails, then each item is tried alone and only the bad one fails', async () => {
    const { batcher, alone } = recorder({ failBatch: true, failItem: 2 });
    const results = await Promise.allSettled([1, 2, 3].map((item) => batcher.submit(item)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(alone.sort()).toEqual([1, 2, 3]);
  });

  it('when no runOne is given, then a lone item and each item of a failed batch go through runBatch alone', async () => {
    const calls: number[][] = [];
    const batcher = new MicroBatcher<number, string>({
      runBatch: async (items) => {
        calls.push([...items]);
        if (items.length > 1 || items[0] === 2) throw new Error('refused');
        return items.map((item) => `ran:${item}`);
      },
      maxBatch: 100,
      maxInFlight: 1,
    });
    const results = await Promise.allSettled([1, 2, 3].map((item) => batcher.submit(item)));
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual(['ran:1', 'refused', 'ran:3']);
    expect(calls).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});

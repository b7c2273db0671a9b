import { settleBounded } from './settle-bounded.js';

describe('settleBounded', () => {
  it('when tasks run, then no more than the limit are in flight and results keep their order, a failure settling only itself', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await settleBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      if (n === 4) throw new Error('four');
      return n * 10;
    });
    expect(most).toBe(3);
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual([
      10,
      20,
      30,
      'four',
      50,
      60,
      70,
    ]);
  });

  it('when there are no items, then it settles with none', async () => {
    expect(await settleBounded([], 4, async () => 1)).toEqual([]);
  });
});

import { withTimeout } from './with-timeout.js';

describe('withTimeout', () => {
  it('when the work settles first, then its value or error is the outcome', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000, () => new Error('late'))).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('own')), 1_000, () => new Error('late'))).rejects.toThrow('own');
  });

  it('when the work has not settled in time, then the timeout error is the outcome and a later rejection goes unheard', async () => {
    let rejectLater: (error: Error) => void = () => undefined;
    const work = new Promise<number>((_, reject) => {
      rejectLater = reject;
    });
    await expect(withTimeout(work, 5, () => new Error('did not answer'))).rejects.toThrow('did not answer');
    rejectLater(new Error('after the timeout'));
    await expect(work).rejects.toThrow('after the timeout');
  });
});

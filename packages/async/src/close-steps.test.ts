import { CloseProgress, closeSteps, settlesWithin, type CloseStep } from './close-steps.js';

const never = () => new Promise<never>(() => undefined);

function step(name: string, close: () => Promise<unknown>, timeoutMs = 1_000): CloseStep {
  return { name, timeoutMs, close };
}

describe('closeSteps', () => {
  it('when every step closes, then nothing is reported and nothing is left unfinished', async () => {
    const closed: string[] = [];
    const progress = new CloseProgress();
    const report = await closeSteps(
      [[step('a', async () => closed.push('a')), step('b', async () => closed.push('b'))], [step('c', async () => closed.push('c'))]],
      progress,
    );
    expect(report).toEqual({ abandoned: [], failed: [] });
    expect(closed.sort()).toEqual(['a', 'b', 'c']);
    expect(progress.unfinished()).toEqual([]);
  });

  it('when a step outlasts its bound, then it is abandoned, the later stages still close, and it stays unfinished', async () => {
    const closed: string[] = [];
    const progress = new CloseProgress();
    const report = await closeSteps(
      [[step('stuck', never, 20), step('quick', async () => closed.push('quick'))], [step('after', async () => closed.push('after'))]],
      progress,
    );
    expect(report).toEqual({ abandoned: ['stuck'], failed: [] });
    expect(closed).toEqual(['quick', 'after']);
    expect(progress.unfinished()).toEqual(['stuck']);
  });

  it('when a step fails, at once or later, then the failure is reported with its message and the others still close', async () => {
    const closed: string[] = [];
    const report = await closeSteps([
      [
        step('throws', () => {
          throw new Error('gone');
        }),
        step('rejects', () => Promise.reject(new Error('refused'))),
      ],
      [step('after', async () => closed.push('after'))],
    ]);
    expect(report).toEqual({
      abandoned: [],
      failed: [
        { name: 'throws', reason: 'gone' },
        { name: 'rejects', reason: 'refused' },
      ],
    });
    expect(closed).toEqual(['after']);
  });

  it('when a stage is still closing, then the next one has not started and progress names both', async () => {
    let release: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (release = resolve));
    let secondStarted = false;
    const progress = new CloseProgress();
    const closing = closeSteps([[step('first', () => first)], [step('second', async () => (secondStarted = true))]], progress);
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondStarted).toBe(false);
    expect(progress.unfinished()).toEqual(['first', 'second']);
    release();
    await closing;
    expect(secondStarted).toBe(true);
  });
});

describe('settlesWithin', () => {
  it('when the work settles in time, either way, then it is true; when it does not, false', async () => {
    await expect(settlesWithin(Promise.resolve(1), 1_000)).resolves.toBe(true);
    await expect(settlesWithin(Promise.reject(new Error('no')), 1_000)).resolves.toBe(true);
    await expect(settlesWithin(never(), 5)).resolves.toBe(false);
  });
});

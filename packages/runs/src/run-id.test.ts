import { isRunIdShape, newRunId } from './run-id.js';

describe('run ids', () => {
  it('when many ids are generated in a row, then they are unique, prefixed and sort in creation order', () => {
    const ids = Array.from({ length: 2000 }, () => newRunId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(isRunIdShape(id)).toBe(true);
  });

  it('when ids are made in different milliseconds, then their random parts differ and use the whole alphabet', () => {
    // Later than any id made so far: an earlier time would only increment the last id (monotonic).
    const base = Date.now() + 86_400_000;
    const randomParts = Array.from({ length: 2000 }, (_, i) => newRunId(base + i).slice(-16));
    expect(new Set(randomParts).size).toBe(randomParts.length);
    // 2,000 draws of 32 equally likely characters: each shows up (missing one has odds below 1e-25).
    expect(new Set(randomParts.map((part) => part[0])).size).toBe(32);
  });

  it('when a string is not a run id, then its shape is refused', () => {
    expect(isRunIdShape('run_')).toBe(false);
    expect(isRunIdShape('job_01JDX3Q8Z1R6M1V2X8B3C4D5E6')).toBe(false);
    expect(isRunIdShape("run_01JDX3Q8Z1R6M1V2X8B3C4D5E'")).toBe(false);
  });
});

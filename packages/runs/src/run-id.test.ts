import { isRunIdShape, newRunId } from './run-id.js';

describe('run ids', () => {
  it('when many ids are generated in a row, then they are unique, prefixed and sort in creation order', () => {
    const ids = Array.from({ length: 2000 }, () => newRunId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(isRunIdShape(id)).toBe(true);
  });

  it('when a string is not a run id, then its shape is refused', () => {
    expect(isRunIdShape('run_')).toBe(false);
    expect(isRunIdShape('job_01JDX3Q8Z1R6M1V2X8B3C4D5E6')).toBe(false);
    expect(isRunIdShape("run_01JDX3Q8Z1R6M1V2X8B3C4D5E'")).toBe(false);
  });
});

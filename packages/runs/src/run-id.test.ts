import { encodeTime } from 'ulid';
import { isRunIdShape, newRunId, runIdRange, runIdTime } from './run-id.js';

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

  it('when an id is made for a time, then the id carries that time', () => {
    const at = Date.now() + 2 * 86_400_000;
    expect(runIdTime(newRunId(at))).toBe(at);
    expect(runIdTime('run_0000000000ZZZZZZZZZZZZZZZZ')).toBe(0);
    expect(runIdTime('run_7ZZZZZZZZZ0000000000000000')).toBe(2 ** 48 - 1);
  });

  it("when a creation window becomes an id range, then ids of the bounds' own millisecond are outside it and the next ones inside", () => {
    const ms = Date.UTC(2026, 10, 29, 12, 0, 0, 123);
    const { above, below } = runIdRange({ after: new Date(ms), before: new Date(ms + 10) });
    // Built from the time part (newRunId would reuse a later time it already used: it is monotonic).
    const ids = (time: number) => ['0'.repeat(16), '7'.repeat(16), 'Z'.repeat(16)].map((random) => `run_${encodeTime(time, 10)}${random}`);
    for (const id of ids(ms)) expect(id > (above ?? '')).toBe(false);
    for (const id of ids(ms + 1)) expect(id > (above ?? '')).toBe(true);
    for (const id of ids(ms + 9)) expect(id < (below ?? '')).toBe(true);
    for (const id of ids(ms + 10)) expect(id < (below ?? '')).toBe(false);
  });

  it('when a window side is open or beyond what an id can hold, then the range says so', () => {
    expect(runIdRange({})).toEqual({});
    expect(runIdRange({ after: new Date(-1) })).toEqual({});
    expect(runIdRange({ before: new Date(8_640_000_000_000_000) })).toEqual({});
    const none = runIdRange({ after: new Date(8_640_000_000_000_000), before: new Date(0) });
    expect(none.above).toBe('run_7ZZZZZZZZZZZZZZZZZZZZZZZZZ');
    expect(none.below).toBe('run_00000000000000000000000000');
  });
});

import { cpus } from 'node:os';
import { cpuBetween, type CpuSnapshot } from './proc-stats.js';

function snapshot(at: number, processes: Record<number, [role: string, seconds: number]>, machineBusy: number): CpuSnapshot {
  return {
    at,
    roles: ['postgres', 'redis', 'bench', 'api'],
    byPid: new Map(Object.entries(processes).map(([pid, [role, seconds]]) => [Number(pid), { role, seconds }])),
    machineBusy,
    machineTotal: (at / 1000) * cpus().length,
  };
}

describe('cpuBetween', () => {
  it('when a process of a role exits between the snapshots, then the role keeps what its other processes used', () => {
    // Backend 11 (50 s of CPU over its life) exits; backend 12 uses 2 s; the API uses 3 s.
    const before = snapshot(10_000, { 10: ['postgres', 5], 11: ['postgres', 50], 12: ['postgres', 1], 20: ['api', 7] }, 0);
    const after = snapshot(20_000, { 10: ['postgres', 5], 12: ['postgres', 3], 20: ['api', 10] }, 5);
    const usage = cpuBetween(before, after);
    expect(usage.seconds).toBe(10);
    expect(usage.cores['postgres']).toBeCloseTo(0.2);
    expect(usage.cores['api']).toBeCloseTo(0.3);
    expect(usage.cores['redis']).toBe(0);
  });

  it('when a process starts between the snapshots, then all of its CPU counts for its role, and the rest of the busy time is other', () => {
    const before = snapshot(10_000, { 10: ['postgres', 5] }, 0);
    const after = snapshot(20_000, { 10: ['postgres', 6], 13: ['postgres', 2] }, 4);
    const usage = cpuBetween(before, after);
    expect(usage.cores['postgres']).toBeCloseTo(0.3);
    expect(usage.cores['other']).toBeCloseTo(0.1);
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { cpuBetween, identifyServers, snapshotCpu, type CpuSnapshot } from './proc-stats.js';

function snapshot(at: number, byRole: Record<string, number>, machineBusy: number): CpuSnapshot {
  return { at, byRole: { postgres: 0, redis: 0, bench: 0, api: 0, ...byRole }, machineBusy, machineTotal: (at / 1000) * cpus().length };
}

/** A process that, when told, runs a child using `cpuMs` of CPU, reaps it and says `reaped`. */
const SERVER = `
const { spawnSync } = require('node:child_process');
process.stdin.once('data', () => {
  spawnSync(process.execPath, ['-e', 'const s = process.cpuUsage(); while ((process.cpuUsage(s).user + process.cpuUsage(s).system) < 300000);']);
  process.stdout.write('reaped');
});
process.stdout.write('ready');
`;

describe('cpuBetween', () => {
  it('when a process of a role exits between the snapshots, then the role keeps what its other processes used', () => {
    // Backend 11 (50 s of CPU over its life) exits and is reaped: its 50 s move to the
    // postmaster's children time. Backend 12 uses 2 s; the API uses 3 s.
    const before = snapshot(10_000, { postgres: 5 + 50 + 1, api: 7 }, 0);
    const after = snapshot(20_000, { postgres: 5 + 50 + 3, api: 10 }, 5);
    const usage = cpuBetween(before, after);
    expect(usage.seconds).toBe(10);
    expect(usage.cores['postgres']).toBeCloseTo(0.2);
    expect(usage.cores['api']).toBeCloseTo(0.3);
    expect(usage.cores['redis']).toBe(0);
  });

  it('when a process starts between the snapshots, then all of its CPU counts for its role, and the rest of the busy time is other', () => {
    const before = snapshot(10_000, { postgres: 5 }, 0);
    const after = snapshot(20_000, { postgres: 6 + 2 }, 4);
    const usage = cpuBetween(before, after);
    expect(usage.cores['postgres']).toBeCloseTo(0.3);
    expect(usage.cores['other']).toBeCloseTo(0.1);
  });
});

describe('snapshotCpu', () => {
  it('when a server child starts and exits between two snapshots, then its CPU counts for the server role', async () => {
    const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const [ready] = (await once(server.stdout, 'data')) as [Buffer];
      expect(ready.toString()).toBe('ready');
      identifyServers({ postmasterPid: server.pid, redisPort: undefined });
      const before = snapshotCpu({});
      server.stdin.write('go');
      const [reaped] = (await once(server.stdout, 'data')) as [Buffer];
      expect(reaped.toString()).toBe('reaped');
      const usage = cpuBetween(before, snapshotCpu({}));
      // The child used at least 0.3 s of CPU, and it no longer exists when the second snapshot is taken.
      expect((usage.cores['postgres'] ?? 0) * usage.seconds).toBeGreaterThanOrEqual(0.29);
    } finally {
      identifyServers({ postmasterPid: undefined, redisPort: undefined });
      server.kill();
    }
  });
});

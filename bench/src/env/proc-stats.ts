import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * CPU and memory of the processes under test, read from /proc (Linux only; elsewhere the
 * figures are reported as unavailable). CPU is attributed by process: the bench knows the pids
 * of the processes it started, and recognises PostgreSQL backends and Redis by name.
 */

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** A named set of pids whose CPU time is reported together. */
export type ProcessRoles = Record<string, readonly number[]>;

/**
 * How the bench's own servers are recognised: PostgreSQL as its postmaster and the postmaster's
 * children, Redis by the port in its process title. Other PostgreSQL or Redis servers on the
 * machine (another user's test suite) count as `other`, not as the system under test.
 */
export interface ServerIdentity {
  postmasterPid: number | undefined;
  redisPort: number | undefined;
}

let identity: ServerIdentity = { postmasterPid: undefined, redisPort: undefined };

/** Tells the sampler which PostgreSQL and Redis are the bench's. */
export function identifyServers(servers: ServerIdentity): void {
  identity = servers;
}

/** CPU seconds per role, plus the machine's busy and total time. */
export interface CpuSnapshot {
  at: number;
  byRole: Record<string, number>;
  machineBusy: number;
  machineTotal: number;
}

/** Cores used per role over an interval (1.0 = one core busy the whole time). */
export interface CpuUsage {
  seconds: number;
  /** Cores used by each role. */
  cores: Record<string, number>;
  /** Fraction of the machine's total CPU capacity that was busy (0..1). */
  machineBusy: number;
}

function readStat(pid: number): { comm: string; ppid: number; ticks: number; childTicks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // After the comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    return { comm, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), childTicks: Number(fields[13]) + Number(fields[14]) };
  } catch {
    return undefined;
  }
}

function machineTimes(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((sum, value) => sum + value, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

function isBenchRedis(pid: number, comm: string): boolean {
  if (comm !== 'redis-server' || identity.redisPort === undefined) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`:${identity.redisPort}`);
  } catch {
    return false;
  }
}

/**
 * CPU seconds used so far by each role: the given pids, `bench` (this process), `postgres`
 * (the bench's postmaster and its children) and `redis` (the bench's redis-server).
 * A given process that exits is no longer counted, so take both snapshots while the processes
 * of interest are alive; the servers' children (PostgreSQL backends) may come and go, their CPU
 * stays with the server once they are reaped.
 */
export function snapshotCpu(given: ProcessRoles): CpuSnapshot {
  const roles: ProcessRoles = { bench: [process.pid], ...given };
  const byRole: Record<string, number> = { postgres: 0, redis: 0 };
  const known = new Map<number, string>();
  for (const [role, pids] of Object.entries(roles)) {
    byRole[role] = 0;
    for (const pid of pids) known.set(pid, role);
  }
  let pids: number[] = [];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    // Not Linux.
  }
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    const postmaster = identity.postmasterPid !== undefined && pid === identity.postmasterPid;
    const postgres = postmaster || (identity.postmasterPid !== undefined && stat.ppid === identity.postmasterPid);
    const redis = !postgres && !known.has(pid) && isBenchRedis(pid, stat.comm);
    const role = known.get(pid) ?? (postgres ? 'postgres' : redis ? 'redis' : undefined);
    if (role === undefined) continue;
    // A server's exited children (a backend whose connection closed, Redis's rewrite child) live
    // on in its reaped-children time: counting that keeps the role's total from dropping when
    // one exits between two readings, which would hide the role's use in that window.
    const ticks = stat.ticks + (postmaster || redis ? stat.childTicks : 0);
    byRole[role] = (byRole[role] ?? 0) + ticks / TICKS_PER_SECOND;
  }
  const machine = machineTimes();
  return { at: performance.now(), byRole, machineBusy: machine.busy, machineTotal: machine.total };
}

/**
 * The CPU used between two snapshots. `other` is what the rest of the machine used (busy time
 * not attributed to any role): other users' processes, kernel threads, processes of ours that
 * are not in a role. A large `other` means the figures were measured on a shared machine.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const seconds = (after.at - before.at) / 1000;
  const cores: Record<string, number> = {};
  let attributed = 0;
  for (const [role, value] of Object.entries(after.byRole)) {
    const used = Math.max(0, value - (before.byRole[role] ?? 0));
    attributed += used;
    cores[role] = seconds > 0 ? used / seconds : 0;
  }
  const total = after.machineTotal - before.machineTotal;
  const busy = after.machineBusy - before.machineBusy;
  const machineCores = cpus().length;
  if (seconds > 0 && total > 0) cores['other'] = Math.max(0, (busy / total) * machineCores - attributed / seconds);
  return { seconds, cores, machineBusy: total > 0 ? busy / total : Number.NaN };
}

/** A process's resident memory, MiB, from /proc/<pid>/status. */
export interface ProcessMemory {
  /** Peak resident set size (VmHWM). */
  peakMiB: number;
  /** Current resident set size (VmRSS). */
  currentMiB: number;
  /** Of the current, pages mapped from files (RssFile): the executable and its libraries. */
  fileMiB: number;
}

/** Peak and current resident set size of a process, and what the current one is made of. */
export function memoryOf(pid: number): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) / 1024 : Number.NaN;
    };
    return { peakMiB: field('VmHWM'), currentMiB: field('VmRSS'), fileMiB: field('RssFile') };
  } catch {
    return undefined;
  }
}

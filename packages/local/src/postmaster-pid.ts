import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { ClusterInUseError } from './errors.js';

/**
 * Refuses to start a second server on a cluster that a live server owns, and clears a lock file
 * that would wrongly keep PostgreSQL from starting.
 *
 * PostgreSQL checks `postmaster.pid` itself, and handles the common stale case well: when the
 * pid is gone it takes over the file, after making sure no orphaned backend of the dead server
 * still uses the cluster's shared memory. That file is therefore left alone. Its check has two
 * weaknesses here, though. Its failure is a FATAL line buried in the server output, so a live
 * server is reported here first as {@link ClusterInUseError}. And it treats any live process
 * with that pid as a running server: in a container, pids start from 1 again after a restart
 * and the old pid often belongs to some unrelated process; and a server whose parent died is a
 * zombie forever where PID 1 does not reap. Both would block starts for good, so when the pid
 * is alive but (per /proc) a zombie or not a `postgres` process, the file is removed.
 */
export async function assertClusterNotInUse(dataDir: string): Promise<void> {
  const lockFile = join(dataDir, 'postmaster.pid');
  let text: string;
  try {
    text = await readFile(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const pid = Number.parseInt(text.split('\n', 1)[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return; // malformed: PostgreSQL reports it
  const holder = await classifyPid(pid);
  if (holder === 'postgres') throw new ClusterInUseError(dataDir, pid);
  if (holder === 'other') await rm(lockFile, { force: true });
}

/**
 * When a start failed because another postmaster holds the data directory (PostgreSQL's own
 * check, which wins a race between two starts), the pid it names; 0 if it names none;
 * undefined when the output shows a different failure.
 */
export function lockHolderFromLog(lines: readonly string[]): number | undefined {
  if (!lines.some((line) => line.includes('lock file "postmaster.pid" already exists'))) return undefined;
  for (const line of lines) {
    const match = /another postmaster \(PID (\d+)\)/.exec(line);
    if (match?.[1]) return Number.parseInt(match[1], 10);
  }
  return 0;
}

/** What, if anything, runs as `pid`: a PostgreSQL server, nothing, or something else (incl. a zombie). */
async function classifyPid(pid: number): Promise<'postgres' | 'gone' | 'other'> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, owned by another user (a non-root caller looking at the postgres account).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // No /proc (macOS): the kill probe is all there is.
    return 'postgres';
  }
  // "<pid> (<comm>) <state> ...": comm may contain spaces and parentheses, so split at the last ')'.
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && comm === 'postgres' ? 'postgres' : 'other';
}

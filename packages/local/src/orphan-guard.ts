import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

/**
 * Keeps server processes from outliving the Node process that started them, by two means:
 *
 * 1. A synchronous `process.on('exit')` handler signals every live server. It runs on a normal
 *    exit, on `process.exit()` (what a caller's SIGINT/SIGTERM handler ends with) and on an
 *    uncaught exception or unhandled rejection (Node 20 emits 'exit' with code 1 for both;
 *    checked). It cannot wait for the servers to finish, and it never runs when the process is
 *    killed by a signal it does not handle (SIGKILL, or SIGTERM without a handler), nor inside a
 *    Jest sandbox, whose `process` is a copy that never emits 'exit'.
 * 2. A watchdog per server: a tiny `sh` whose stdin is a pipe only this process holds the other
 *    end of. However this process dies, the kernel closes that end, `read` returns, and the
 *    watchdog signals the server, waits for it to go away (bounded), then removes the server's
 *    throwaway data directory if it has one. That covers every case the 'exit' handler cannot.
 *
 * Servers are spawned detached (their own process group), so a Ctrl-C in the terminal reaches
 * only this process, which stops its servers in its own order after draining; the two
 * mechanisms above are what stands in for the process group's shared fate.
 */

/** One server under guard. */
export interface ChildGuard {
  /** Stop guarding (the server has exited): forget it and end its watchdog. Idempotent. */
  release(): void;
}

interface Guarded {
  readonly pid: number;
  readonly signal: NodeJS.Signals;
  readonly watchdog: ChildProcess | undefined;
}

const live = new Set<Guarded>();
let exitHandlerInstalled = false;

/**
 * The watchdog. Arguments: $1 server pid, $2 signal name (INT, TERM), $3 directory to remove
 * after the server is gone ('' for none). `read` blocks until our stdin reaches EOF, that is
 * until the owning Node process is gone. A zombie counts as gone: after the owner dies the
 * server is re-parented to PID 1, which in a container may never reap it. There is no event for
 * a non-child's exit in sh, so this polls every 100 ms, bounded: 30 s for a graceful shutdown,
 * then SIGKILL and 5 s more.
 */
const WATCHDOG_SCRIPT = `
read -r _ignored
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/stat" ] || return 0
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [ -n "$state" ] && [ "$state" != Z ]
}
wait_gone() {
  i=0
  while alive "$1" && [ "$i" -lt "$2" ]; do sleep 0.1; i=$((i + 1)); done
}
if alive "$1"; then
  kill -s "$2" "$1" 2>/dev/null
  wait_gone "$1" 300
  if alive "$1"; then kill -s KILL "$1" 2>/dev/null; wait_gone "$1" 50; fi
fi
if [ -n "$3" ]; then rm -rf -- "$3"; fi
`;

/**
 * Puts a freshly spawned server under guard: it is signalled with `signal` if this process
 * exits while the server still runs, and `cleanupDir` (when given) is removed once it is gone.
 * Call `release()` as soon as the server's exit is observed, so that a recycled pid is never
 * signalled.
 */
export function guardChild(pid: number, options: { signal: NodeJS.Signals; cleanupDir?: string }): ChildGuard {
  installExitHandler();
  const entry: Guarded = { pid, signal: options.signal, watchdog: spawnWatchdog(pid, options) };
  live.add(entry);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      live.delete(entry);
      // SIGKILL: the watchdog must not act on a pid that may be reused from now on.
      entry.watchdog?.kill('SIGKILL');
    },
  };
}

/** Pids of the servers currently under guard (for diagnostics and tests). */
export function guardedPids(): number[] {
  return [...live].map((entry) => entry.pid);
}

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const entry of live) {
      try {
        process.kill(entry.pid, entry.signal);
      } catch {
        // Already gone: nothing to do.
      }
    }
  });
}

function spawnWatchdog(pid: number, options: { signal: NodeJS.Signals; cleanupDir?: string }): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  const watchdog = spawn(
    '/bin/sh',
    ['-c', WATCHDOG_SCRIPT, 'runq-watchdog', String(pid), options.signal.replace(/^SIG/, ''), options.cleanupDir ?? ''],
    // Detached: a terminal Ctrl-C must not take the watchdog down with this process.
    { detached: true, stdio: ['pipe', 'ignore', 'ignore'] },
  );
  // Neither the watchdog nor its pipe may keep this process alive; we never write to the pipe.
  watchdog.unref();
  const stdin = watchdog.stdin as Socket | null;
  stdin?.on('error', () => undefined);
  stdin?.unref();
  watchdog.on('error', () => undefined);
  return watchdog;
}

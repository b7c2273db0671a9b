import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestApi } from './harness.js';

/** The repository root (the CLI and the fixtures are addressed from there). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A fixture under `test/fixtures/`, as a path relative to the repository root. */
export function fixturePath(name: string): string {
  return `test/fixtures/${name}`;
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A `runq` command running in its own OS process, with its output collected line by line. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** True once the process has exited. */
  readonly hasExited: boolean;
  /** Resolves with the first stdout line (JSON log lines parsed) that matches; rejects after `timeoutMs` or on exit. */
  waitForLog(predicate: (line: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Sends `signal` unless the process has exited. */
  signal(signal: NodeJS.Signals): void;
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}

/** Every process started through {@link ProcessGroup}, so a test can stop all of them in `afterEach`. */
export class ProcessGroup {
  private readonly processes: CliProcess[] = [];

  /** Runs `node services/cli/bin/runq.js ...args` with exactly `env` (plus PATH), in the repository root unless `cwd` says otherwise. */
  run(args: string[], env: Record<string, string>, options: { cwd?: string } = {}): CliProcess {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'services/cli/bin/runq.js'), ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    const listeners = new Set<() => void>();
    let exited = false;
    const collect = (into: string[]) => {
      let partial = '';
      return (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        into.push(...lines.filter((line) => line.length > 0));
        for (const listener of listeners) listener();
      };
    };
    child.stdout?.on('data', collect(stdout));
    child.stderr?.on('data', collect(stderr));
    const exitPromise = new Promise<ProcessExit>((resolve) => {
      child.once('exit', (code, signal) => {
        exited = true;
        for (const listener of listeners) listener();
        resolve({ code, signal });
      });
    });
    // Output may still be in the pipes at 'exit'; 'close' means both streams are drained.
    const closed = new Promise<ProcessExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    const handle: CliProcess = {
      child,
      pid: child.pid ?? -1,
      stdout,
      stderr,
      exited: Promise.all([exitPromise, closed]).then(([exit]) => exit),
      get hasExited() {
        return exited;
      },
      waitForLog(predicate, timeoutMs = 15_000) {
        return new Promise((resolve, reject) => {
          let index = 0;
          const check = () => {
            for (; index < stdout.length; index += 1) {
              const parsed = parseLine(stdout[index]!);
              if (predicate(parsed)) {
                done();
                resolve(parsed);
                return;
              }
            }
            if (exited) {
              done();
              reject(new Error(`process ${child.pid} exited before the expected log line; stderr: ${stderr.join('\n')}`));
            }
          };
          const timer = setTimeout(() => {
            done();
            reject(new Error(`no matching log line from process ${child.pid} within ${timeoutMs} ms`));
          }, timeoutMs);
          const done = () => {
            clearTimeout(timer);
            listeners.delete(check);
          };
          listeners.add(check);
          check();
        });
      },
      signal(signal) {
        if (!exited) child.kill(signal);
      },
    };
    this.processes.push(handle);
    return handle;
  }

  /** Starts `runq worker` for `api` (its database, queue backend and prefix) and resolves once it is up. */
  async startWorker(api: TestApi, handlers: string, options: { env?: WorkerEnvOverrides; args?: string[] } = {}): Promise<CliProcess> {
    const worker = this.run(['worker', '--handlers', handlers, ...(options.args ?? [])], workerEnv(api, options.env));
    await worker.waitForLog((line) => line?.msg === 'worker started');
    return worker;
  }

  /** Kills every process still running (SIGCONT first, so a stopped one can die) and waits for them. */
  async killAll(): Promise<void> {
    const running = this.processes.splice(0);
    for (const proc of running) {
      proc.signal('SIGCONT');
      proc.signal('SIGKILL');
    }
    await Promise.all(running.map((proc) => proc.exited));
  }
}

/** Settings added to (or, given as `undefined`, removed from) a worker's test environment: removed, a setting takes runq's default. */
export type WorkerEnvOverrides = Record<string, string | undefined>;

/** The environment of a worker process for `api`: short leases and a fast reconciler, as the suites need. */
export function workerEnv(api: TestApi, extra: WorkerEnvOverrides = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    DATABASE_URL: api.database.url,
    RUNQ_QUEUE_PREFIX: api.config.queuePrefix,
    LOG_LEVEL: 'info',
    RUNQ_WORKER_LEASE_MS: '2000',
    RUNQ_RECONCILE_INTERVAL_MS: '250',
    RUNQ_RECONCILE_GRACE_MS: '500',
    RUNQ_WORKER_SHUTDOWN_GRACE_MS: '5000',
    ...(api.config.redisUrl ? { REDIS_URL: api.config.redisUrl } : {}),
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

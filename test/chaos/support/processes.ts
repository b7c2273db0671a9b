import { loadavg } from 'node:os';
import { findFreePort } from '@runq/local';
import { waitFor } from '@runq/local/testing';
import { ProcessGroup, fixturePath, type CliProcess } from '../../support/worker-process.js';

/** The handler module every chaos worker runs. */
export const CHAOS_HANDLERS = fixturePath('chaos-handlers.mjs');

/**
 * How long a (re)started process may take to be ready. A start takes about 3 s on an idle
 * 2-core machine; with the chaos load and other suites running beside it (load average 10 and
 * more), restarts were measured at up to 27 s, so 30 s was too tight to tell a slow start from
 * one that never comes.
 */
const START_TIMEOUT_MS = 90_000;

/** A process the suite started, and whether its last exit was the suite's doing. */
interface Managed {
  name: string;
  proc: CliProcess;
  /** Set before the suite kills it; an exit without it is a crash. */
  expectedExit: boolean;
}

/** An exit nobody asked for. */
export interface UnexpectedExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string[];
}

/**
 * The runq processes of a chaos run: API instances (`runq api`, each on a fixed port so a
 * restarted instance comes back where clients expect it) and worker processes (`runq worker`
 * with the chaos handlers). Every process is started through one {@link ProcessGroup}, so
 * {@link ChaosProcesses.stopAll} kills whatever is left; exits the suite did not cause are
 * recorded as crashes.
 */
export class ChaosProcesses {
  private readonly group = new ProcessGroup();
  private readonly apis: Managed[] = [];
  private readonly workers: Managed[] = [];
  readonly crashes: UnexpectedExit[] = [];
  /** How long each process took from spawn to ready (API: answers /healthz; worker: logged `worker started`). */
  readonly startMs: number[] = [];
  private apiPorts: number[] = [];
  /** The workers' own settings and arguments, kept for the workers started in a killed one's place. */
  private workerEnv: Readonly<Record<string, string>> = {};
  private workerArgs: readonly string[] = [];

  constructor(private readonly env: Record<string, string>) {}

  /** Base URLs of the API instances (fixed for the whole run). */
  get apiUrls(): string[] {
    return this.apiPorts.map((port) => `http://127.0.0.1:${port}`);
  }

  get workerCount(): number {
    return this.workers.length;
  }

  async startApis(count: number): Promise<void> {
    this.apiPorts = await Promise.all(Array.from({ length: count }, () => findFreePort()));
    await Promise.all(this.apiPorts.map((_, index) => this.startApi(index)));
  }

  async startWorkers(count: number, workerEnv: Readonly<Record<string, string>>, args: readonly string[]): Promise<void> {
    this.workerEnv = workerEnv;
    this.workerArgs = args;
    await Promise.all(Array.from({ length: count }, (_, index) => this.startWorker(index)));
  }

  /** SIGKILLs API instance `index` (mid-request, if it has any) and starts it again on its port. */
  async killApi(index: number): Promise<void> {
    const api = this.apis[index];
    if (!api) throw new Error(`no API instance ${index}`);
    api.expectedExit = true;
    api.proc.signal('SIGKILL');
    await api.proc.exited;
    await this.startApi(index);
  }

  /** SIGKILLs worker `index` and starts a new one in its place, with the same settings. */
  async killWorker(index: number): Promise<void> {
    const worker = this.workers[index];
    if (!worker) throw new Error(`no worker ${index}`);
    worker.expectedExit = true;
    worker.proc.signal('SIGKILL');
    await worker.proc.exited;
    await this.startWorker(index);
  }

  /** Stops worker `index` (SIGSTOP) for `ms`, then lets it go on (SIGCONT). */
  async pauseWorker(index: number, ms: number): Promise<void> {
    const worker = this.workers[index];
    if (!worker) throw new Error(`no worker ${index}`);
    worker.proc.signal('SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      worker.proc.signal('SIGCONT');
    }
  }

  /** Recent output of every process, for a failure report. */
  tails(lines = 15): string {
    return [...this.apis, ...this.workers]
      .map((item) => `--- ${item.name} (pid ${item.proc.pid})\n${[...item.proc.stdout.slice(-lines), ...item.proc.stderr.slice(-lines)].join('\n')}`)
      .join('\n');
  }

  /** Kills every process still running and waits for them. */
  async stopAll(): Promise<void> {
    for (const item of [...this.apis, ...this.workers]) item.expectedExit = true;
    await this.group.killAll();
  }

  private async startApi(index: number): Promise<void> {
    const port = this.apiPorts[index]!;
    const started = Date.now();
    const proc = this.group.run(['api'], { ...this.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    const managed = this.watch(`api-${index}`, proc);
    this.apis[index] = managed;
    const url = `http://127.0.0.1:${port}/healthz`;
    let lastError = 'no attempt yet';
    try {
      await waitFor(
        `API instance ${index} to answer /healthz`,
        async () => {
          if (proc.hasExited) throw new Error(`API instance ${index} exited at start: ${proc.stderr.join('\n')}`);
          return fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
            (response) => response.ok,
            (error: unknown) => {
              lastError = String((error as Error).cause ?? error);
              return false;
            },
          );
        },
        { timeoutMs: START_TIMEOUT_MS, intervalMs: 50 },
      );
    } catch (error) {
      // What the instance was doing, and how busy the machine was: a slow start under load is not a hang of the code.
      throw new Error(
        `${(error as Error).message} (pid ${proc.pid}, ${Date.now() - started} ms after spawn, load average ${loadavg()
          .map((n) => n.toFixed(1))
          .join(' ')}, last probe: ${lastError}; output: ${[...proc.stdout, ...proc.stderr].slice(-10).join('\n') || 'none'})`,
        { cause: error },
      );
    }
    this.startMs.push(Date.now() - started);
  }

  private async startWorker(index: number): Promise<void> {
    const proc = this.group.run(['worker', '--handlers', CHAOS_HANDLERS, ...this.workerArgs], { ...this.env, ...this.workerEnv });
    this.workers[index] = this.watch(`worker-${index}`, proc);
    const started = Date.now();
    await proc
      .waitForLog((line) => line?.msg === 'worker started', START_TIMEOUT_MS)
      .catch((error: unknown) => {
        throw new Error(
          `${(error as Error).message} (load average ${loadavg()
            .map((n) => n.toFixed(1))
            .join(' ')})`,
          { cause: error },
        );
      });
    this.startMs.push(Date.now() - started);
  }

  private watch(name: string, proc: CliProcess): Managed {
    const managed: Managed = { name, proc, expectedExit: false };
    void proc.exited.then(({ code, signal }) => {
      if (!managed.expectedExit) this.crashes.push({ name, code, signal, stderr: proc.stderr.slice(-20) });
    });
    return managed;
  }
}

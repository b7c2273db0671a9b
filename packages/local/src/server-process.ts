import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

import { ServerStartError } from './errors.js';
import { guardChild, type ChildGuard } from './orphan-guard.js';

/** How a server is launched, recognised as ready, and stopped. */
export interface ServerProcessOptions {
  /** Name used in error messages ("postgres", "redis-server"). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** The child's whole environment (not merged with ours: the servers need none of our secrets). */
  readonly env: NodeJS.ProcessEnv;
  /** Run as this user and group (root starting PostgreSQL, which refuses to run as root). */
  readonly uid?: number;
  readonly gid?: number;
  /** True for the output line that announces readiness. */
  readonly isReady: (line: string) => boolean;
  readonly readyTimeoutMs: number;
  /** Graceful-shutdown signal: SIGINT is PostgreSQL's "fast" shutdown, SIGTERM Redis's. */
  readonly stopSignal: NodeJS.Signals;
  /** Grace period after `stopSignal` before SIGKILL. */
  readonly stopTimeoutMs: number;
  /** A throwaway directory the watchdog removes if this process dies without stopping the server. */
  readonly cleanupDir?: string;
  /** Receives every output line (stdout and stderr). */
  readonly onLog?: (line: string) => void;
}

/** Last lines of output kept for error messages. */
const TAIL_LINES = 20;
/** After an early exit, how long to wait for the rest of its output before reporting. */
const OUTPUT_DRAIN_MS = 1_000;

/**
 * A long-running server child process: spawned detached, watched over by the orphan guard,
 * started when its ready line appears, stopped by signal with escalation to SIGKILL.
 *
 * While it runs idle it does not keep the Node event loop alive (a script that forgets to stop
 * it still exits, and the orphan guard then stops it); `start()` and `stop()` hold a reference
 * for their duration, so awaiting either never lets the process slip away mid-operation.
 */
export class ServerProcess {
  private readonly tail: string[] = [];
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly outputClosed: Promise<void>;
  private guard: ChildGuard | undefined;
  private stopping: Promise<void> | undefined;
  private exited = false;
  private readonly ready: Promise<void>;
  private markReady: () => void = () => undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: ServerProcessOptions,
  ) {
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        this.guard?.release();
        resolve({ code, signal });
      });
    });
    this.outputClosed = new Promise((resolve) => child.once('close', () => resolve()));
    // 'error' after a successful spawn means a signal could not be delivered; keep it as a log
    // line rather than let an unhandled 'error' event crash the owner.
    child.on('error', (error) => this.record(`[runq] ${options.name}: ${error.message}`));
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) forEachLine(stream, (line) => this.record(line));
    }
  }

  /**
   * Spawns the server and resolves once it reports readiness. Rejects with
   * {@link ServerStartError} (the server's last output lines attached) if it cannot be spawned,
   * exits first, or stays silent past `readyTimeoutMs`; nothing is left running then.
   */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
      // Own process group: a Ctrl-C in the terminal must reach only the owner, which then stops
      // its servers after draining its own work (PostgreSQL treats SIGINT as fast shutdown).
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, options);
    await server.waitUntilReady();
    return server;
  }

  /** The server's process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return !this.exited;
  }

  /** The last lines the server printed (at most 20). */
  logTail(): string[] {
    return [...this.tail];
  }

  /**
   * Stops the server: `stopSignal`, then SIGKILL after `stopTimeoutMs`. Resolves once the
   * process has exited. Idempotent: every call returns the same promise.
   */
  stop(): Promise<void> {
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  private async terminate(): Promise<void> {
    if (this.exited) return;
    this.child.ref();
    this.child.kill(this.options.stopSignal);
    const escalate = setTimeout(() => this.child.kill('SIGKILL'), this.options.stopTimeoutMs);
    try {
      await this.exit;
    } finally {
      clearTimeout(escalate);
    }
  }

  private async waitUntilReady(): Promise<void> {
    const { name, readyTimeoutMs } = this.options;
    const spawnError = await new Promise<Error | undefined>((resolve) => {
      this.child.once('spawn', () => resolve(undefined));
      this.child.once('error', (error) => resolve(error));
    });
    if (spawnError) {
      throw new ServerStartError(name, `could not run ${this.options.command}: ${spawnError.message}`, [], { cause: spawnError });
    }
    this.guard = guardChild(this.pid, { signal: this.options.stopSignal, cleanupDir: this.options.cleanupDir });

    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      this.ready.then(() => 'ready' as const),
      this.exit,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), readyTimeoutMs))),
    ]).finally(() => clearTimeout(timer));

    if (outcome === 'ready') {
      this.detachFromEventLoop();
      return;
    }
    if (outcome === 'timeout') {
      await this.stop();
      throw new ServerStartError(name, `not ready after ${readyTimeoutMs} ms`, this.logTail());
    }
    // Exited before ready: collect the rest of its output (bounded), which says why.
    await Promise.race([this.outputClosed, new Promise((resolve) => setTimeout(resolve, OUTPUT_DRAIN_MS).unref())]);
    const how = outcome.signal ? `signal ${outcome.signal}` : `code ${outcome.code ?? 'unknown'}`;
    throw new ServerStartError(name, `exited with ${how} before it was ready`, this.logTail());
  }

  private record(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.options.onLog?.(line);
    if (this.options.isReady(line)) this.markReady();
  }

  private detachFromEventLoop(): void {
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr]) (stream as Socket | null)?.unref();
  }
}

/** Calls `onLine` for each complete line of `stream` (and a final unterminated one). */
function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  stream.setEncoding('utf8');
  let pending = '';
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split(/\r?\n/);
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (pending) onLine(pending);
    pending = '';
  });
}

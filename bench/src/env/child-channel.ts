import { fork, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './processes.js';

/**
 * A Node child process of the bench, driven by request/reply messages over IPC, one request
 * at a time. Replies of type `error` reject the request with the child's message.
 */
export class ChildChannel<Request extends { type: string }, Reply extends { type: string }> {
  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  private pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  private exited = false;

  constructor(
    readonly name: string,
    modulePath: string,
    options: { execArgv?: string[]; env?: Record<string, string> } = {},
  ) {
    this.child = fork(modulePath, [], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: options.execArgv ?? [],
      env: { ...process.env, ...options.env },
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrTail.push(...chunk.split('\n').filter(Boolean));
      if (this.stderrTail.length > 40) this.stderrTail.splice(0, this.stderrTail.length - 40);
    });
    this.child.on('message', (message: Reply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (!pending) return;
      if (message.type === 'error') pending.reject(new Error(`${name}: ${(message as unknown as { message: string }).message}`));
      else pending.resolve(message);
    });
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      this.pending?.reject(new Error(`${name} exited (${String(code ?? signal)}): ${this.stderrTail.join(' | ')}`));
      this.pending = undefined;
    });
  }

  /**
   * Starts the child and sends its first request (which sets it up); when that fails, the
   * child is killed and the error thrown.
   */
  static async start<Rq extends { type: string }, Rp extends { type: string }>(
    name: string,
    modulePath: string,
    first: Rq,
    timeoutMs = 60_000,
  ): Promise<ChildChannel<Rq, Rp>> {
    const channel = new ChildChannel<Rq, Rp>(name, modulePath);
    try {
      await channel.request(first, timeoutMs);
    } catch (error) {
      channel.kill();
      throw error;
    }
    return channel;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Sends a request and resolves with the child's reply (rejects on an `error` reply, exit, or timeout). */
  request(message: Request, timeoutMs = 600_000): Promise<Reply> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited: ${this.stderrTail.join(' | ')}`));
    if (this.pending) return Promise.reject(new Error(`${this.name} is busy`));
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new Error(`${this.name} did not answer ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.child.send(message);
    });
  }

  /** Sends a last request (best effort: the child may already be gone) and waits for the child to exit. */
  async finish(last: Request, timeoutMs = 30_000): Promise<void> {
    try {
      await this.request(last, timeoutMs);
    } catch {
      // The process is ended below either way.
    }
    await this.exit();
  }

  /** Waits for the child to exit, killing it after `timeoutMs`. */
  async exit(timeoutMs = 15_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    if (this.child.connected) this.child.disconnect();
    await exited;
    clearTimeout(timer);
  }

  /** Kills the child at once. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

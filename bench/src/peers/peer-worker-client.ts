import { ChildChannel } from '../env/child-channel.js';
import type { DrainReport, PeerReply, PeerRequest, PeerWorkerSpec } from './protocol.js';

const CHILD = new URL('./peer-worker-child.js', import.meta.url).pathname;

/** A peer's worker in its own process (see peer-worker-child.ts). */
export class PeerWorker {
  private constructor(private readonly channel: ChildChannel<PeerRequest, PeerReply>) {}

  /** Starts the process and the worker in it; resolves once the worker is consuming. */
  static async start(name: string, spec: PeerWorkerSpec): Promise<PeerWorker> {
    return new PeerWorker(await ChildChannel.start<PeerRequest, PeerReply>(name, CHILD, { type: 'start', spec }));
  }

  get pid(): number {
    return this.channel.pid;
  }

  /** Forgets what was counted so far. */
  async reset(): Promise<void> {
    await this.channel.request({ type: 'reset' });
  }

  /**
   * Resolves once `expected` jobs (counted since the last reset) ran and the store shows them
   * finished; with `censorAfter`, resolves after `timeoutMs` at the latest (see PeerRequest).
   */
  async drain(expected: number, timeoutMs: number, censorAfter?: number): Promise<DrainReport> {
    const reply = await this.channel.request({ type: 'drain', expected, timeoutMs, ...(censorAfter === undefined ? {} : { censorAfter }) }, timeoutMs + 30_000);
    if (reply.type !== 'drained') throw new Error(`unexpected reply ${reply.type}`);
    return reply.report;
  }

  /** Stops the worker gracefully and ends the process. */
  async stop(): Promise<void> {
    await this.channel.finish({ type: 'stop' });
  }
}

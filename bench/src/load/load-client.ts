import { ChildChannel } from '../env/child-channel.js';
import type { LoadPlan, LoadReply, LoadRequest, LoadResult, ProducerSpec } from './protocol.js';

const CHILD = new URL('./load-child.js', import.meta.url).pathname;

/** A load generator in its own process (see load-child.ts), opened on one producer. */
export class LoadClient {
  private constructor(private readonly channel: ChildChannel<LoadRequest, LoadReply>) {}

  /** Starts a load process and opens `spec` in it. */
  static async open(name: string, spec: ProducerSpec): Promise<LoadClient> {
    return new LoadClient(await ChildChannel.start<LoadRequest, LoadReply>(name, CHILD, { type: 'open', spec }));
  }

  get pid(): number {
    return this.channel.pid;
  }

  /** Runs a plan and returns what it measured. */
  async run(plan: LoadPlan): Promise<LoadResult> {
    const reply = await this.channel.request({ type: 'run', plan });
    if (reply.type !== 'result') throw new Error(`unexpected reply ${reply.type}`);
    return reply.result;
  }

  /** Closes the producer and ends the process. */
  async close(): Promise<void> {
    await this.channel.finish({ type: 'close' });
  }
}

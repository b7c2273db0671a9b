import { serveRequests } from '../env/child-side.js';
import { openProducer, type Producer } from './producers.js';
import type { LoadReply, LoadRequest } from './protocol.js';
import { runPlan } from './run-plan.js';

/*
 * A load generator process, driven by the orchestrator over IPC (see load-client.ts). It runs
 * apart from the orchestrator so that its CPU is measured on its own, and so that the
 * orchestrator's own work (sampling, database checks) never delays the load.
 */

let producer: Producer | undefined;

function reply(message: LoadReply): void {
  process.send?.(message);
}

async function handle(message: LoadRequest): Promise<void> {
  switch (message.type) {
    case 'open':
      producer = await openProducer(message.spec);
      reply({ type: 'opened' });
      return;
    case 'run':
      if (!producer) throw new Error('no producer is open');
      reply({ type: 'result', result: await runPlan(producer, message.plan) });
      return;
    case 'close':
      await producer?.close();
      producer = undefined;
      reply({ type: 'closed' });
      process.disconnect?.();
      return;
  }
}

serveRequests(handle);

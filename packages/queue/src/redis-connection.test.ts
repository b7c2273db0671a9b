import { createRequire } from 'node:module';
import { parseRedisUrl } from '@runq/config';
import { RUN_KINDS } from '@runq/runs';
import { queueNameOf } from './job-catalog.js';
import { queueKeyPrefix } from './redis-connection.js';

/** Redis Cluster's CRC16 key slot, as ioredis computes it to route a command. */
const keySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

const cluster = parseRedisUrl('redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002');
const standalone = parseRedisUrl('redis://127.0.0.1:6379');

/** Keys BullMQ keeps for one queue under `prefix`, a job's among them (`<prefix>:<queue>:<suffix>`). */
function queueKeys(prefix: string, queue: string): string[] {
  return [
    'wait',
    'active',
    'paused',
    'meta',
    'id',
    'events',
    'delayed',
    'prioritized',
    'pc',
    'marker',
    'stalled',
    'completed',
    'failed',
    'limiter',
    'run_01J',
  ].map((suffix) => `${prefix}:${queue}:${suffix}`);
}

const QUEUES = [...RUN_KINDS.map((kind) => queueNameOf(kind)), queueNameOf('task', 'pool:gpu')];

describe('queueKeyPrefix', () => {
  it('when Redis is one server, then every queue uses the configured prefix as written', () => {
    for (const queue of QUEUES) {
      expect(queueKeyPrefix('runq', standalone, queue)).toBe('runq');
      expect(queueKeyPrefix('{runq}', standalone, queue)).toBe('{runq}');
    }
    expect(queueKeyPrefix('runq', undefined, 'task')).toBe('runq');
  });

  it('when Redis is a cluster and the prefix has no hash tag, then each queue gets its own tag naming the prefix and the queue', () => {
    expect(queueKeyPrefix('runq', cluster, 'task')).toBe('{runq:task}');
    expect(queueKeyPrefix('runq', cluster, 'task.pool.gpu')).toBe('{runq:task.pool.gpu}');
  });

  it('when Redis is a cluster, then every key of one queue hashes to one slot', () => {
    for (const prefix of ['runq', 'a.b_c-1', '{runq}', 'x{tag}y'])
      for (const queue of QUEUES) {
        const slots = new Set(queueKeys(queueKeyPrefix(prefix, cluster, queue), queue).map(keySlot));
        expect(slots.size).toBe(1);
      }
  });

  it('when Redis is a cluster and the prefix has no hash tag, then distinct queues hash to distinct slots', () => {
    const slots = QUEUES.map((queue) => keySlot(`${queueKeyPrefix('runq', cluster, queue)}:${queue}:wait`));
    expect(new Set(slots).size).toBe(QUEUES.length);
  });

  it('when two deployments share a cluster under different prefixes, then the same queue of each hashes to a different slot', () => {
    for (const queue of QUEUES) {
      const slotOf = (prefix: string) => keySlot(`${queueKeyPrefix(prefix, cluster, queue)}:${queue}:wait`);
      expect(slotOf('runq')).not.toBe(slotOf('runq-staging'));
    }
  });

  it('when Redis is a cluster and the prefix already has a hash tag, then it is kept and every queue shares its one slot', () => {
    for (const prefix of ['{runq}', 'x{tag}y']) {
      const slots = new Set(QUEUES.map((queue) => keySlot(`${queueKeyPrefix(prefix, cluster, queue)}:${queue}:wait`)));
      expect(QUEUES.map((queue) => queueKeyPrefix(prefix, cluster, queue))).toEqual(QUEUES.map(() => prefix));
      expect(slots.size).toBe(1);
    }
  });
});

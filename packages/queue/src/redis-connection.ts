import type { RedisTarget } from '@runq/config';
import { once } from 'node:events';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A Redis client: one server or a Redis Cluster. BullMQ takes either as its connection. */
export type RedisClient = Redis | Cluster;

/** What a connection is for; decides how it behaves while Redis is unreachable. */
export type RedisRole =
  /** Short commands (adds, removes, counts): fail fast, never queue commands while disconnected. */
  | 'producer'
  /** A BullMQ worker's blocking connection: retry forever (BullMQ requires `maxRetriesPerRequest: null`). */
  | 'worker';

/**
 * Opens a connection to `target` (a parsed `REDIS_URL`, see `parseRedisUrl` in `@runq/config`):
 * an ioredis `Redis` for `redis://` and `rediss://`, an ioredis `Cluster` for
 * `redis+cluster://` and `rediss+cluster://`, seeded with every listed node.
 */
export function openRedis(target: RedisTarget, role: RedisRole): RedisClient {
  const perCommand: Pick<RedisOptions, 'maxRetriesPerRequest'> = { maxRetriesPerRequest: role === 'producer' ? 1 : null };
  if (target.mode === 'standalone') {
    return new Redis(target.url, role === 'producer' ? { ...perCommand, enableOfflineQueue: false, lazyConnect: false } : perCommand);
  }
  return new Cluster(
    target.nodes.map((node) => ({ host: node.host, port: node.port })),
    {
      // Offline queueing is a cluster-level option; the per-node options go under redisOptions.
      enableOfflineQueue: role !== 'producer',
      redisOptions: {
        ...perCommand,
        ...(target.username !== undefined ? { username: target.username } : {}),
        ...(target.password !== undefined ? { password: target.password } : {}),
        ...(target.tls ? { tls: {} } : {}),
      },
    },
  );
}

/**
 * True when `prefix` carries a Redis Cluster hash tag: a `{…}` with something inside, the first
 * `{` of the key and the first `}` after it. BullMQ's keys are `<prefix>:<queue>:<suffix>`, so the
 * tag decides the slot of every key of every queue, and a queue's Lua scripts (which touch
 * several of its keys at once) can only run when all of them share one slot.
 */
export function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  if (open === -1) return false;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1;
}

/**
 * The BullMQ key prefix of the queue named `queueName` on `target`. BullMQ's keys are
 * `<prefix>:<queue>:<suffix>`, so:
 * - one Redis server: the configured prefix as it is (`runq:task:wait`);
 * - a Redis Cluster and a prefix without a hash tag: a hash tag per queue, `{<prefix>:<queue>}`
 *   (`{runq:task}:task:wait`), so every key of one queue shares a slot (its Lua scripts need
 *   that) while different queues, and different deployments' prefixes, hash to different slots
 *   and so spread over the masters (neither a prefix nor a queue name can hold `:`, so the tag
 *   names exactly one queue of one prefix);
 * - a Redis Cluster and a prefix that already has a hash tag: that prefix as it is, so every queue
 *   of it stays in the tag's one slot.
 * Every process derives it the same way, so APIs, workers and the dashboard agree
 * (docs/decisions/0022-cluster-hash-tags.md).
 */
export function queueKeyPrefix(prefix: string, target: RedisTarget | undefined, queueName: string): string {
  return target?.mode === 'cluster' && !hasHashTag(prefix) ? `{${prefix}:${queueName}}` : prefix;
}

/**
 * Resolves once `client` is connected (at once when it is), rejects after `timeoutMs` or when it
 * gives up. A producer connection queues no commands while it connects (see {@link openRedis}),
 * so a command sent right after opening one, before BullMQ has waited for it, must wait here: a
 * cluster client needs a few round trips (it loads the slot map) before its first command.
 */
export async function whenRedisReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'end') throw new Error('the Redis connection is closed');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await Promise.race([
      once(client, 'ready', { signal: controller.signal }),
      once(client, 'end', { signal: controller.signal }).then(() => {
        throw new Error('the Redis connection is closed');
      }),
    ]);
  } catch (error) {
    if (controller.signal.aborted) throw new Error(`Redis is not reachable (not connected after ${timeoutMs} ms)`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

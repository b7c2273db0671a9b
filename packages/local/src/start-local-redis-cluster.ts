import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { ensureRedisCli, ensureRedisServer } from './ensure-redis-server.js';
import { ServerStartError } from './errors.js';
import { LOOPBACK } from './find-free-port.js';
import { startLocalRedis, type LocalRedis } from './start-local-redis.js';

const execFileAsync = promisify(execFile);

/** A running local Redis Cluster, as returned by {@link startLocalRedisCluster}. */
export interface LocalRedisCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…`: every master as a seed node (runq's `REDIS_URL` form). */
  readonly url: string;
  /** The masters, in slot order (the first serves slots 0 to about 16384 / masters). */
  readonly nodes: readonly LocalRedis[];
  /** Runs `redis-cli -p <port> <args>` against one node and returns its output (for tests and diagnostics). */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Stops every node and resolves once all have exited. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalRedisCluster}. */
export interface StartLocalRedisClusterOptions {
  /** Parent directory of the nodes' working directories; created if missing. */
  readonly dir: string;
  /** Masters (no replicas). Redis needs at least 3. Default 3. */
  readonly masters?: number;
  /** Receives every node's output, each line prefixed with its port. Default: discarded. */
  readonly onLog?: (line: string) => void;
}

/** `redis-cli --cluster create` and the nodes agreeing on the configuration take about a second. */
const FORM_TIMEOUT_MS = 30_000;

/**
 * Starts a Redis Cluster of `masters` (default 3) master nodes on free loopback ports, for the
 * scale-out tests and for trying a cluster locally: each node is a `redis-server
 * --cluster-enabled yes` (see `startLocalRedis`), the slots are assigned with `redis-cli
 * --cluster create … --cluster-replicas 0 --cluster-yes`, and it resolves once every node
 * reports `cluster_state:ok`. If anything fails, every node already started is stopped.
 *
 * @throws {RedisNotInstalledError} redis-server or redis-cli is missing and could not be installed.
 * @throws {ServerStartError} a node did not start, or the cluster did not form in time.
 * @example
 * const cluster = await startLocalRedisCluster({ dir: join(tmp, 'cluster') });
 * process.env.REDIS_URL = cluster.url; // redis+cluster://127.0.0.1:…,…
 */
export async function startLocalRedisCluster(options: StartLocalRedisClusterOptions): Promise<LocalRedisCluster> {
  const masters = options.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) throw new RangeError('a Redis Cluster needs at least 3 masters');
  await ensureRedisServer();
  const redisCli = await ensureRedisCli();
  const dir = resolve(options.dir);
  const started = await Promise.allSettled(
    Array.from({ length: masters }, (_, index) =>
      startLocalRedis({
        dir: join(dir, `node-${index + 1}`),
        clusterNode: true,
        onLog: options.onLog && ((line) => options.onLog?.(`[node ${index + 1}] ${line}`)),
      }),
    ),
  );
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stopAll = () => Promise.all(nodes.map((node) => node.stop())).then(() => undefined);
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }

  const cli = async (port: number, ...args: string[]): Promise<string> =>
    (await execFileAsync(redisCli, ['-h', LOOPBACK, '-p', String(port), ...args], { timeout: FORM_TIMEOUT_MS })).stdout;
  try {
    await execFileAsync(redisCli, ['--cluster', 'create', ...nodes.map((node) => `${LOOPBACK}:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: FORM_TIMEOUT_MS,
    });
    await waitForClusterOk(nodes, cli);
  } catch (error) {
    await stopAll();
    const output = (error as { stdout?: unknown }).stdout;
    const tail = typeof output === 'string' ? output.trim().split('\n').slice(-10) : [];
    throw new ServerStartError('redis cluster', error instanceof Error ? (error.message.split('\n')[0] ?? 'failed') : String(error), tail, { cause: error });
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `redis+cluster://${nodes.map((node) => `${LOOPBACK}:${node.port}`).join(',')}`,
    nodes,
    cli,
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };
}

/**
 * Polls `CLUSTER INFO` on every node until all say `cluster_state:ok`: after `--cluster create`
 * the nodes still need a moment to agree on the configuration through the cluster bus, and there
 * is no event to wait for from outside.
 */
async function waitForClusterOk(nodes: readonly LocalRedis[], cli: (port: number, ...args: string[]) => Promise<string>): Promise<void> {
  const deadline = Date.now() + FORM_TIMEOUT_MS;
  for (;;) {
    const states = await Promise.all(nodes.map(async (node) => /cluster_state:ok/.test(await cli(node.port, 'cluster', 'info'))));
    if (states.every(Boolean)) return;
    if (Date.now() >= deadline) throw new Error(`the cluster did not reach cluster_state:ok within ${FORM_TIMEOUT_MS} ms`);
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
  }
}

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';

import { ensureRedisServer } from './ensure-redis-server.js';
import { ServerStartError } from './errors.js';
import { LOOPBACK, findFreePort, startWithPortRetry } from './find-free-port.js';
import { ServerProcess } from './server-process.js';

/** A running local Redis server, as returned by {@link startLocalRedis}. */
export interface LocalRedis {
  /** `redis://127.0.0.1:port` (no password: it listens on loopback only). */
  readonly url: string;
  readonly port: number;
  /** Shuts Redis down (SIGTERM: it finishes the AOF if enabled) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalRedis}. */
export interface StartLocalRedisOptions {
  /** Working directory of the server (its AOF files, when enabled); created if missing. */
  readonly dir: string;
  /** Default: a free port. */
  readonly port?: number;
  /** Keep an append-only file (fsync every second) so queued jobs survive a restart. Default false. */
  readonly appendOnly?: boolean;
  /** Receives the server's output line by line. Default: discarded. */
  readonly onLog?: (line: string) => void;
  /**
   * Start the server in cluster mode (`--cluster-enabled yes`), its cluster bus on a second free
   * port; it serves nothing until it is part of a cluster (see `startLocalRedisCluster`).
   */
  readonly clusterNode?: boolean;
}

/** Loading a large AOF can take a while; an empty server is ready in ~10 ms. */
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts `redis-server` (installing it first where {@link ensureRedisServer} can) on 127.0.0.1,
 * configured entirely by arguments: no config file, no RDB snapshots (`--save ''`), and an
 * append-only file only when asked. It is ready when it prints "Ready to accept connections";
 * if it exits first, the error carries its last output lines. The server is stopped when this
 * process exits, however it exits (see `orphan-guard.ts`).
 *
 * @throws {RedisNotInstalledError} Redis is missing and could not be installed.
 * @throws {ServerStartError} the server exited or did not become ready in time.
 * @example
 * const redis = await startLocalRedis({ dir: '.runq/redis', appendOnly: true });
 * process.env.REDIS_URL = redis.url;
 */
export async function startLocalRedis(options: StartLocalRedisOptions): Promise<LocalRedis> {
  const binary = await ensureRedisServer();
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const appendOnly = options.appendOnly ?? false;

  return startWithPortRetry({
    port: options.port,
    isPortTaken: (error) => error instanceof ServerStartError && error.logTail.some((line) => line.includes('Address already in use')),
    start: async (port) => {
      // Redis's default bus port is port + 10000, which may be taken or past 65535: pick one.
      const clusterArgs = options.clusterNode
        ? [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '5000',
            '--cluster-port',
            String(await findFreePort()),
          ]
        : [];
      const server = await ServerProcess.start({
        name: 'redis-server',
        command: binary,
        args: [
          '--port',
          String(port),
          '--bind',
          LOOPBACK,
          '--save',
          '',
          '--appendonly',
          appendOnly ? 'yes' : 'no',
          ...(appendOnly ? ['--appendfsync', 'everysec'] : []),
          '--dir',
          dir,
          '--daemonize',
          'no',
          ...clusterArgs,
        ],
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        isReady: (line) => line.includes('Ready to accept connections'),
        readyTimeoutMs: READY_TIMEOUT_MS,
        stopSignal: 'SIGTERM',
        stopTimeoutMs: STOP_TIMEOUT_MS,
        onLog: options.onLog,
      });
      return new LocalRedisServer(server, port);
    },
  });
}

class LocalRedisServer implements LocalRedis {
  readonly url: string;

  constructor(
    private readonly server: ServerProcess,
    readonly port: number,
  ) {
    this.url = `redis://${LOOPBACK}:${port}`;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

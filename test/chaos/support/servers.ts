import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { startLocalPostgres, startLocalRedis, type LocalPostgres, type LocalRedis } from '@runq/local';

/**
 * The chaos suite's own PostgreSQL: a persistent cluster (so a restart keeps its data) on a fixed
 * loopback port, restartable in place. The harness's servers are shared by every test file and
 * must not be restarted under them.
 */
export class ChaosPostgres {
  private constructor(
    private server: LocalPostgres,
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  /**
   * Starts the cluster, then raises `max_connections` (two APIs and three workers with their
   * pools exceed the default 100) and turns `synchronous_commit` off (commits need not wait for
   * the disk; a restart is a clean shutdown, which flushes everything), and restarts once so the
   * settings apply.
   */
  static async start(dir: string): Promise<ChaosPostgres> {
    const dataDir = join(dir, 'postgres');
    const first = await startLocalPostgres({ dataDir, persistent: true });
    const admin = new pg.Client({ connectionString: first.url });
    await admin.connect();
    try {
      await admin.query('alter system set max_connections = 400');
      await admin.query('alter system set synchronous_commit = off');
    } finally {
      await admin.end();
    }
    await first.stop();
    const server = await startLocalPostgres({ dataDir, persistent: true, port: first.port });
    return new ChaosPostgres(server, dataDir, server.port);
  }

  /** Superuser URL of database `name`. */
  databaseUrl(name: string): string {
    return this.server.databaseUrl(name);
  }

  async createDatabase(name: string): Promise<string> {
    return this.server.createDatabase(name);
  }

  /** Fast shutdown (sessions terminated, a checkpoint written) and a start on the same port. */
  async restart(downMs: number): Promise<void> {
    await this.server.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    this.server = await startLocalPostgres({ dataDir: this.dataDir, persistent: true, port: this.port });
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}

/**
 * The chaos suite's Redis on a fixed loopback port with an append-only file, so it can be
 * restarted with its data (clean shutdown: the AOF is complete) or without (the files removed
 * before it starts again, as after losing the machine).
 */
export class ChaosRedis {
  private constructor(
    private server: LocalRedis,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(dir: string): Promise<ChaosRedis> {
    const redisDir = join(dir, 'redis');
    const server = await startLocalRedis({ dir: redisDir, appendOnly: true });
    return new ChaosRedis(server, redisDir, server.port);
  }

  get url(): string {
    return this.server.url;
  }

  /** Stops Redis, keeps or wipes its data, and starts it again on the same port after `downMs`. */
  async restart(options: { keepData: boolean; downMs: number }): Promise<void> {
    await this.server.stop();
    if (!options.keepData) await rm(this.dir, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, options.downMs));
    this.server = await startLocalRedis({ dir: this.dir, appendOnly: true, port: this.port });
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}

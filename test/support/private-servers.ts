import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '@runq/db';
import { startLocalPostgres, startLocalRedis, type LocalPostgres, type LocalRedis } from '@runq/local';
import { migrateQueueBackend } from '@runq/queue';
import type { QueueBackendName } from './harness.js';
import { openTcpGate, type TcpGate } from './tcp-gate.js';

/** How a dependency goes down: stopped (connecting is refused), or still there and not answering. */
export type Outage = 'stopped' | 'not answering';

/** A server of a test's own, and the gate of each client process in front of it. */
class OwnServer {
  private readonly gates = new Map<string, TcpGate>();

  constructor(
    private readonly server: LocalPostgres | LocalRedis,
    /** The URL clients use, before it is pointed at their gate. */
    private readonly url: string,
  ) {}

  /** The URL for `client`, through a gate of its own (so a test can tell what each client sends). */
  async urlFor(client: string): Promise<string> {
    let gate = this.gates.get(client);
    if (!gate) {
      gate = await openTcpGate(this.server.port);
      this.gates.set(client, gate);
    }
    return gate.urlThrough(this.url);
  }

  gateOf(client: string): TcpGate {
    const gate = this.gates.get(client);
    if (!gate) throw new Error(`${client} has no connection to this server`);
    return gate;
  }

  /** Stopped: the server exits and the gates close, so connecting is refused, as with the server alone. */
  async takeDown(outage: Outage): Promise<void> {
    if (outage === 'not answering') {
      for (const gate of this.gates.values()) gate.block();
      return;
    }
    await this.server.stop();
    await this.closeGates();
  }

  async stop(): Promise<void> {
    await Promise.all([this.closeGates(), this.server.stop()]);
  }

  private async closeGates(): Promise<void> {
    await Promise.all([...this.gates.values()].map((gate) => gate.close()));
  }
}

/**
 * A Postgres (with a migrated database) and, for the Redis backend, a Redis of one test's own,
 * which it may take down without disturbing the servers other test files share.
 */
export class PrivateServers {
  private constructor(
    private readonly dir: string,
    private readonly postgres: OwnServer,
    private readonly redis: OwnServer | undefined,
  ) {}

  /** Starts the servers the queue `backend` needs and migrates the database. */
  static async start(backend: Exclude<QueueBackendName, 'redis-cluster'>): Promise<PrivateServers> {
    const dir = await mkdtemp(join(tmpdir(), 'runq-private-'));
    const started: (LocalPostgres | LocalRedis)[] = [];
    try {
      const postgres = await startLocalPostgres({ dataDir: join(dir, 'postgres'), persistent: false });
      started.push(postgres);
      const redis = backend === 'redis' ? await startLocalRedis({ dir: join(dir, 'redis') }) : undefined;
      if (redis) started.push(redis);
      const databaseUrl = await postgres.createDatabase('runq');
      await migrate(databaseUrl);
      return new PrivateServers(dir, new OwnServer(postgres, databaseUrl), redis ? new OwnServer(redis, redis.url) : undefined);
    } catch (error) {
      await Promise.all(started.map((server) => server.stop()));
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** `DATABASE_URL` (and `REDIS_URL` on the Redis backend) for the process `client`, through gates of its own. */
  async envFor(client: string): Promise<Record<string, string>> {
    return {
      DATABASE_URL: await this.postgres.urlFor(client),
      ...(this.redis ? { REDIS_URL: await this.redis.urlFor(client) } : {}),
    };
  }

  /** Takes Postgres down the way `outage` says. */
  async takeDownPostgres(outage: Outage): Promise<void> {
    await this.postgres.takeDown(outage);
  }

  /** Takes Redis down the way `outage` says. */
  async takeDownRedis(outage: Outage): Promise<void> {
    if (!this.redis) throw new Error('no Redis on the PostgreSQL backend');
    await this.redis.takeDown(outage);
  }

  /** Resolves once `client` has sent Postgres something since it stopped answering. */
  async postgresHeardFrom(client: string): Promise<void> {
    await this.postgres.gateOf(client).heard();
  }

  /** Stops everything and removes the servers' files. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all([this.postgres.stop(), this.redis?.stop()]);
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function migrate(databaseUrl: string): Promise<void> {
  const db = openDatabase(databaseUrl, { maxConnections: 1 });
  try {
    const { error } = await migrateToLatest(db);
    if (error) throw new Error(`migrating the private database failed: ${String(error)}`);
  } finally {
    await db.destroy();
  }
  await migrateQueueBackend({ databaseUrl, prefix: 'runq' });
}

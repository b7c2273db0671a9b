import { access, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ServerStartError } from './errors.js';
import { startLocalRedis, type LocalRedis } from './start-local-redis.js';
import { isPortOpen, pingRedis } from './testing.js';

describe('startLocalRedis', () => {
  let workDir: string;
  const started: LocalRedis[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'runq-local-redis-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
    await rm(workDir, { recursive: true, force: true });
  });

  it('when Redis starts, then it answers PING over a raw socket on its loopback port', async () => {
    const redis = await startLocalRedis({ dir: join(workDir, 'plain') });
    started.push(redis);

    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await pingRedis(redis.port)).toBe('+PONG');
  });

  it('when append-only is asked for, then Redis keeps its append-only files in the given directory', async () => {
    const dir = join(workDir, 'aof');
    const redis = await startLocalRedis({ dir, appendOnly: true });
    started.push(redis);

    expect(await pingRedis(redis.port)).toBe('+PONG');
    await expect(access(join(dir, 'appendonlydir'))).resolves.toBeUndefined();
  });

  it('when Redis is stopped, then its port is closed', async () => {
    const redis = await startLocalRedis({ dir: join(workDir, 'stopped') });
    started.push(redis);

    await redis.stop();
    await redis.stop(); // idempotent

    expect(await isPortOpen(redis.port)).toBe(false);
  });

  it('when the requested port is taken, then start fails with the server output saying so', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const failure = await startLocalRedis({ dir: join(workDir, 'clash'), port }).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(ServerStartError);
      expect((failure as Error).message).toMatch(/^redis-server failed to start: exited with code 1 before it was ready/);
      expect((failure as Error).message).toContain('Address already in use');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

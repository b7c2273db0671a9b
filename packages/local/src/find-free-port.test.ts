import { createServer, type Server } from 'node:net';

import { findFreePort, isPortFree, startWithPortRetry } from './find-free-port.js';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('findFreePort', () => {
  it('when a free port is requested, then it can be bound on 127.0.0.1', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
    const server = await listen(port);
    await close(server);
  });

  it('when a port is in use, then isPortFree says so, and says free once it is released', async () => {
    const server = await listen(0);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    expect(await isPortFree(port)).toBe(false);
    await close(server);
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('startWithPortRetry', () => {
  const taken = new Error('Address already in use');
  const isPortTaken = (error: unknown): boolean => error === taken;

  it('when the first port turns out to be taken, then it retries with a fresh free port', async () => {
    const tried: number[] = [];
    const result = await startWithPortRetry({
      port: undefined,
      firstChoice: async () => 1,
      isPortTaken,
      start: async (port) => {
        tried.push(port);
        if (tried.length === 1) throw taken;
        return port;
      },
    });
    expect(tried).toHaveLength(2);
    expect(tried[0]).toBe(1);
    expect(result).toBe(tried[1]);
  });

  it('when the caller chose the port, then a taken port fails without a retry', async () => {
    let attempts = 0;
    const start = async (): Promise<number> => {
      attempts += 1;
      throw taken;
    };
    await expect(startWithPortRetry({ port: 5, isPortTaken, start })).rejects.toBe(taken);
    expect(attempts).toBe(1);
  });

  it('when the failure is not about the port, then it is not retried', async () => {
    let attempts = 0;
    const other = new Error('corrupt data');
    const start = async (): Promise<number> => {
      attempts += 1;
      throw other;
    };
    await expect(startWithPortRetry({ port: undefined, isPortTaken, start })).rejects.toBe(other);
    expect(attempts).toBe(1);
  });
});

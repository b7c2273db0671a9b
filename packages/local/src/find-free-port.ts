import { createServer } from 'node:net';

/** The only interface local servers listen on. */
export const LOOPBACK = '127.0.0.1';

/**
 * Returns a TCP port that is free on 127.0.0.1 right now, chosen by the kernel (bind to port 0).
 *
 * The port is released before this resolves, so another process can take it before the caller
 * binds it. The servers started by this package therefore retry with a fresh port when the one
 * they picked is taken by the time they bind (see `startWithPortRetry`).
 *
 * @example
 * const port = await findFreePort(); // e.g. 39127
 */
export async function findFreePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close((closeError) => {
        if (closeError) reject(closeError);
        else if (port === undefined) reject(new Error('the kernel did not report the bound port'));
        else resolve(port);
      });
    });
  });
}

/**
 * Whether `port` can be bound on 127.0.0.1 right now (same caveat as {@link findFreePort}).
 * Used to reuse the port a persistent cluster had last time, so a developer's saved
 * `DATABASE_URL` keeps working across `runq start` runs.
 */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * Runs `start` with the port the caller chose, or else with `firstChoice()` and then fresh free
 * ports, retrying up to `attempts` times while the failure is "address in use" (`isPortTaken`).
 * Between our probe and the server's own bind another process may take the port; with servers
 * starting in parallel test workers this happens, rarely, and should not fail a run. A port the
 * caller chose explicitly is never swapped for another.
 */
export async function startWithPortRetry<T>(options: {
  port: number | undefined;
  start: (port: number) => Promise<T>;
  isPortTaken: (error: unknown) => boolean;
  firstChoice?: () => Promise<number>;
  attempts?: number;
}): Promise<T> {
  const { port, start, isPortTaken, firstChoice = findFreePort, attempts = 3 } = options;
  if (port !== undefined) return start(port);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start(attempt === 1 ? await firstChoice() : await findFreePort());
    } catch (error) {
      if (attempt >= attempts || !isPortTaken(error)) throw error;
    }
  }
}

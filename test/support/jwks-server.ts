import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny HTTP server publishing a JWKS document on 127.0.0.1 (port chosen by the OS). */
export interface JwksServer {
  /** URL of the key set, for `RUNQ_JWT_JWKS_URL`. */
  url: string;
  /** How many times the key set was fetched. */
  fetches(): number;
  close(): Promise<void>;
}

/**
 * Serves `{ keys }` as `application/json` at `/.well-known/jwks.json` (or, with `status`, an
 * error of that status); anything else is 404.
 */
export async function startJwksServer(keys: readonly object[], options: { status?: number } = {}): Promise<JwksServer> {
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      fetches += 1;
      if (options.status !== undefined) {
        res.writeHead(options.status, { 'content-type': 'text/plain' }).end('unavailable');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

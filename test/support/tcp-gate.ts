import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { deferred } from './deferred.js';

/** A TCP relay in front of a server that a test can turn into a server that does not answer. */
export interface TcpGate {
  /** `url` (a `postgres://` or `redis://` URL of the server) pointed at the gate. */
  urlThrough(url: string): string;
  /**
   * From now on nothing passes either way: open connections stay open and new ones are
   * accepted, what clients send is taken and dropped, and nothing comes back, as from a
   * partitioned or frozen server.
   */
  block(): void;
  /** Resolves once a client has sent something since {@link block}: a request now waits for an answer that never comes. */
  heard(): Promise<void>;
  /** Closes every connection and the gate (connecting is refused from then on). Idempotent. */
  close(): Promise<void>;
}

/** Opens a {@link TcpGate} on a free loopback port to 127.0.0.1:`targetPort`. */
export async function openTcpGate(targetPort: number): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  const clients = new Map<Socket, Socket>();
  const heard = deferred();
  let blocked = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  const swallow = (client: Socket) => {
    client.on('data', () => heard.resolve());
    client.resume();
  };
  // Half-open allowed: a blocked gate must not answer a client's FIN with its own, as a frozen
  // server does not; while the gate relays, pipe() carries each side's end to the other.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    if (blocked) return swallow(client);
    const upstream = connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
    track(upstream);
    clients.set(client, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    // Until the gate blocks, a closed side closes the other, as on a direct connection.
    client.on('close', () => blocked || upstream.destroy());
    upstream.on('close', () => blocked || client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    urlThrough(url) {
      const through = new URL(url);
      through.port = String(port);
      return through.toString();
    },
    block() {
      blocked = true;
      for (const [client, upstream] of clients) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        upstream.pause();
        swallow(client);
      }
    },
    heard: () => heard.promise,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

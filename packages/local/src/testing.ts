import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

import type pg from 'pg';

import { LOOPBACK } from './find-free-port.js';
import { withAdminClient } from './postgres-admin.js';

/**
 * Test helpers for code that runs local servers (`@runq/local/testing`). They probe from the
 * outside, the way a client would, so a test never trusts the code it is testing to report on
 * itself.
 */

/**
 * Resolves once `condition()` is true, polling every `intervalMs`; rejects after `timeoutMs`
 * with `description` in the message. Only for state owned by another process (a port closing,
 * a directory removed by a watchdog), where there is no event to wait for.
 */
export async function waitFor(
  description: string,
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export async function isPortOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const socket = connect({ host: LOOPBACK, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (error.code === 'ECONNREFUSED') resolve(false);
      else reject(error);
    });
  });
}

/**
 * Sends `PING` to a Redis server over a raw TCP socket (no client library) and resolves with its
 * reply line, `+PONG` from a healthy server.
 */
export async function pingRedis(port: number, timeoutMs = 5_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect({ host: LOOPBACK, port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no reply to PING within ${timeoutMs} ms`)));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      const end = reply.indexOf('\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(reply.slice(0, end));
      }
    });
    socket.once('error', reject);
  });
}

/**
 * Whether process `pid` is running. A zombie is not running: a server whose parent died stays
 * a zombie where PID 1 does not reap (some container runtimes), yet holds no port or memory.
 */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // Gone since the probe, or no /proc (macOS) where the probe is all there is.
    return process.platform !== 'linux';
  }
}

/**
 * Runs `text` (one statement, or several separated by semicolons, without parameters) on `url`
 * with a client of its own, closed afterwards, and resolves with the rows of the last result.
 */
export async function queryRows<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  return withAdminClient(url, async (client) => {
    const result = (await client.query<T>(text)) as pg.QueryResult<T> | Array<pg.QueryResult<T>>;
    return (Array.isArray(result) ? result.at(-1)?.rows : result.rows) ?? [];
  });
}

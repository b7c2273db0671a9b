import { ConfigError, optionalString, type Env } from './env.js';

/** One seed node of a Redis Cluster. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where the queues live in Redis, as `REDIS_URL` names it:
 * - `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS): one server (or a proxy
 *   that speaks the single-server protocol, such as a managed Redis endpoint);
 * - `redis+cluster://[user:password@]host:port,host:port,…` or `rediss+cluster://…` (TLS): a
 *   Redis Cluster, reached through any of the listed seed nodes (the client learns the rest of
 *   the topology from them).
 */
export type RedisTarget =
  | { readonly mode: 'standalone'; readonly url: string }
  | {
      readonly mode: 'cluster';
      readonly nodes: readonly RedisNode[];
      readonly username: string | undefined;
      readonly password: string | undefined;
      readonly tls: boolean;
    };

/** The URL schemes `REDIS_URL` accepts. */
export const REDIS_URL_SCHEMES = ['redis:', 'rediss:', 'redis+cluster:', 'rediss+cluster:'] as const;

const DEFAULT_PORT = 6379;
const EXPECTED = 'redis://host:port, rediss://host:port or redis+cluster://host:port,host:port,…';

/** A `REDIS_URL` that cannot be used; the message never repeats the value (it may hold a password). */
export class InvalidRedisUrlError extends Error {
  override readonly name = 'InvalidRedisUrlError';
}

/**
 * Parses a `REDIS_URL` (see {@link RedisTarget}). A single-server URL is checked and kept as
 * written (ioredis reads it); a cluster URL, which WHATWG URL parsing cannot represent (it has
 * several hosts), is split into its seed nodes and credentials here.
 *
 * @throws {InvalidRedisUrlError} the value is not one of the accepted forms.
 * @example
 * parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7000');
 * // { mode: 'cluster', nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7000 }], tls: false, … }
 */
export function parseRedisUrl(value: string): RedisTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) throw new InvalidRedisUrlError(`must be a URL (${EXPECTED})`);
  if (scheme === 'redis' || scheme === 'rediss') {
    try {
      new URL(value);
    } catch {
      throw new InvalidRedisUrlError(`must be a URL (${EXPECTED})`);
    }
    return { mode: 'standalone', url: value };
  }
  if (scheme !== 'redis+cluster' && scheme !== 'rediss+cluster') {
    throw new InvalidRedisUrlError(`must use ${REDIS_URL_SCHEMES.slice(0, -1).join(', ')} or ${REDIS_URL_SCHEMES.at(-1)} (got ${scheme}:)`);
  }
  const rest = value.slice(scheme.length + 3);
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const tail = end === -1 ? '' : rest.slice(end);
  if (tail !== '' && tail !== '/') {
    throw new InvalidRedisUrlError('of a cluster takes no database, path or options: a cluster has only database 0');
  }
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const hosts = at === -1 ? authority : authority.slice(at + 1);
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    try {
      username = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon)) || undefined;
      password = colon === -1 ? undefined : decodeURIComponent(userinfo.slice(colon + 1)) || undefined;
    } catch {
      throw new InvalidRedisUrlError('has a malformed user name or password (percent-encode reserved characters)');
    }
  }
  const nodes = hosts.split(',').map(parseNode);
  if (nodes.length === 0) throw new InvalidRedisUrlError(`must list at least one cluster node (${EXPECTED})`);
  return { mode: 'cluster', nodes, username, password, tls: scheme === 'rediss+cluster' };
}

/** `host:port`, `host` (port 6379) or `[ipv6]:port`. */
function parseNode(text: string): RedisNode {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9_.-]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = match?.[3] === undefined ? DEFAULT_PORT : Number(match[3]);
  if (host === undefined || !(port >= 1 && port <= 65535)) {
    throw new InvalidRedisUrlError(`has a cluster node that is not host:port (${EXPECTED})`);
  }
  return { host, port };
}

/**
 * An optional Redis URL setting (see {@link RedisTarget}), returned as written once it parses.
 *
 * @throws {ConfigError} naming `name` when the value is malformed.
 */
export function optionalRedisUrl(env: Env, name: string): string | undefined {
  const value = optionalString(env, name);
  if (value === undefined) return undefined;
  try {
    parseRedisUrl(value);
  } catch (error) {
    if (error instanceof InvalidRedisUrlError) throw new ConfigError(name, error.message);
    throw error;
  }
  return value;
}

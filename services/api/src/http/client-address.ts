import { BlockList, isIP, SocketAddress } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Context, Middleware, Next } from 'koa';

/** One range of trusted proxy addresses (`10.0.0.0/8`, `fd00::/8`; a bare address is a range of one). */
export interface AddressRange {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/**
 * Which peers are believed about the client behind them (`RUNQ_TRUST_PROXY`):
 * - `none`: nobody; the client is the peer of the connection and forwarding headers are ignored;
 * - `hops`: the nearest `hops` proxies, whatever their addresses;
 * - `ranges`: proxies whose addresses are in one of `ranges`.
 */
export type TrustProxy =
  { readonly kind: 'none' } | { readonly kind: 'hops'; readonly hops: number } | { readonly kind: 'ranges'; readonly ranges: readonly AddressRange[] };

/** Trust nobody: the client is the connection's peer. */
export const TRUST_NOBODY: TrustProxy = Object.freeze({ kind: 'none' });

/** A `RUNQ_TRUST_PROXY` value that is neither a hop count nor a list of ranges; the message says what is wrong. */
export class InvalidTrustProxyError extends Error {
  override readonly name = 'InvalidTrustProxyError';
}

/** Who sent a request, as far as the trusted proxies tell: its address and the scheme it used. */
export interface Client {
  /** The client's IP address, normalised (`::ffff:1.2.3.4` is `1.2.3.4`); `unknown` when the socket has none. */
  readonly address: string;
  /** `https` when the client's connection (to the API, or to the trusted proxy) was TLS. */
  readonly scheme: 'http' | 'https';
}

/** What {@link resolveClient} reads from a request. */
export interface ForwardingFacts {
  /** The address of the connection's peer (the socket's remote address). */
  peer: string | undefined;
  /** `X-Forwarded-For` as received (empty when absent). */
  forwardedFor: string;
  /** `X-Forwarded-Proto` as received (empty when absent). */
  forwardedProto: string;
  /** True when the connection to the API itself is TLS. */
  encrypted: boolean;
}

const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
const BRACKETED_IPV6 = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/;
const HOP_COUNT = /^\d+$/;
const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/;

/**
 * An address as a canonical string, or `undefined` when `text` is not one: IPv6 compressed and
 * lowercase, IPv4-mapped IPv6 as plain IPv4, a zone index dropped. Accepts the forms proxies write
 * into `X-Forwarded-For`: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:443`.
 */
export function normaliseAddress(text: string): string | undefined {
  const trimmed = text.trim();
  const bracketed = BRACKETED_IPV6.exec(trimmed)?.[1];
  if (bracketed !== undefined) return isIP(bracketed) === 6 ? canonicalIpv6(bracketed) : undefined;
  const candidate = IPV4_WITH_PORT.exec(trimmed)?.[1] ?? trimmed;
  const family = isIP(candidate);
  if (family === 4) return candidate;
  return family === 6 ? canonicalIpv6(candidate) : undefined;
}

/** RFC 5952 form (as Node writes it), with an IPv4-mapped address as plain IPv4. */
function canonicalIpv6(address: string): string {
  const canonical = new SocketAddress({ address, family: 'ipv6' }).address;
  return MAPPED_IPV4.exec(canonical)?.[1] ?? canonical;
}

function parseRange(entry: string): AddressRange {
  const [address = '', prefixText, extra] = entry.split('/');
  const family = isIP(address);
  const maxPrefix = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? maxPrefix : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (family === 0 || extra !== undefined || !(prefix >= 0 && prefix <= maxPrefix)) {
    throw new InvalidTrustProxyError(`has an entry that is not an IP address or CIDR range: ${JSON.stringify(entry)}`);
  }
  return Object.freeze({ address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' });
}

/**
 * Parses `RUNQ_TRUST_PROXY`: a hop count (an integer from 0; 0 trusts nobody) or a
 * comma-separated list of IPv4 and IPv6 CIDR ranges (`10.0.0.0/8,fd00::/8,127.0.0.1/32`).
 *
 * @throws {InvalidTrustProxyError} with a one-line reason when the value is neither.
 * @example parseTrustProxy('1'); // { kind: 'hops', hops: 1 }
 */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (HOP_COUNT.test(text)) {
    const hops = Number(text);
    if (!Number.isSafeInteger(hops)) throw new InvalidTrustProxyError(`must be a hop count that is a safe integer (got ${JSON.stringify(text)})`);
    return hops === 0 ? TRUST_NOBODY : Object.freeze({ kind: 'hops', hops });
  }
  const entries = text.split(',').map((entry) => entry.trim());
  if (!entries.some((entry) => entry.includes('.') || entry.includes(':'))) {
    throw new InvalidTrustProxyError(
      `must be a hop count (0, 1, 2, …) or a comma-separated list of CIDR ranges such as 10.0.0.0/8,fd00::/8 (got ${JSON.stringify(text)})`,
    );
  }
  return Object.freeze({ kind: 'ranges', ranges: Object.freeze(entries.map(parseRange)) });
}

/** Decides whether the address `index` hops from the API (0: the peer) is a trusted proxy. */
type TrustTest = (address: string, index: number) => boolean;

function compileTrust(trust: TrustProxy): TrustTest {
  if (trust.kind === 'none') return () => false;
  if (trust.kind === 'hops') return (_address, index) => index < trust.hops;
  const list = new BlockList();
  for (const range of trust.ranges) list.addSubnet(range.address, range.prefix, range.family);
  // BlockList matches IPv4 addresses against IPv4-mapped IPv6 ranges and back.
  return (address) => list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** The first value of a comma-separated header, when it is a scheme runq knows. */
function forwardedScheme(header: string): 'http' | 'https' | undefined {
  const first = header.split(',')[0]?.trim().toLowerCase();
  return first === 'http' || first === 'https' ? first : undefined;
}

/**
 * Builds the function that tells who sent a request. `X-Forwarded-For` is read only when the
 * peer is trusted, and from the right: each trusted hop vouches for the address to its left, so
 * the walk goes from the peer leftwards while the address is a trusted proxy, and the first
 * untrusted address is the client (with every entry trusted, the leftmost one). Whatever a client
 * writes into the header itself stays to the left of that point and is never believed. An entry
 * that is not an IP address ends the walk: the hop that passed it on is taken as the client.
 * `X-Forwarded-Proto` (its first value, as Koa and Express read it) is believed from a trusted
 * peer only.
 *
 * @example
 * const resolve = clientResolver(parseTrustProxy('127.0.0.1/32'));
 * resolve({ peer: '127.0.0.1', forwardedFor: '203.0.113.9', forwardedProto: 'https', encrypted: false });
 * // { address: '203.0.113.9', scheme: 'https' }
 */
export function clientResolver(trust: TrustProxy): (facts: ForwardingFacts) => Client {
  const trusts = compileTrust(trust);
  return (facts) => {
    const ownScheme = facts.encrypted ? 'https' : 'http';
    const peer = facts.peer === undefined ? undefined : normaliseAddress(facts.peer);
    if (peer === undefined) return { address: 'unknown', scheme: ownScheme };
    if (!trusts(peer, 0)) return { address: peer, scheme: ownScheme };
    return { address: walkForwardedFor(facts.forwardedFor, peer, trusts), scheme: forwardedScheme(facts.forwardedProto) ?? ownScheme };
  };
}

/** The client address behind the trusted `peer` (see {@link clientResolver}). */
function walkForwardedFor(header: string, peer: string, trusts: TrustTest): string {
  const entries = header === '' ? [] : header.split(',');
  let client = peer;
  for (let hop = 1; hop <= entries.length; hop += 1) {
    const address = normaliseAddress(entries[entries.length - hop] ?? '');
    if (address === undefined) break;
    client = address;
    if (!trusts(address, hop)) break;
  }
  return client;
}

/**
 * Resolves the client of every request once, first in the chain, into `ctx.state.client` (read
 * it with {@link clientOf}); `ctx.ip` is set to the same address, so nothing that reads Koa's
 * own accessor sees a proxy's address instead.
 */
export function clientAddress(trust: TrustProxy): Middleware {
  const resolve = clientResolver(trust);
  return async (ctx: Context, next: Next) => {
    const client = resolve({
      peer: ctx.req.socket.remoteAddress,
      forwardedFor: ctx.get('x-forwarded-for'),
      forwardedProto: ctx.get('x-forwarded-proto'),
      encrypted: (ctx.req.socket as Partial<TLSSocket>).encrypted === true,
    });
    ctx.state['client'] = client;
    ctx.request.ip = client.address;
    await next();
  };
}

/** The client of a request, as {@link clientAddress} resolved it. */
export function clientOf(ctx: Context): Client {
  const client = ctx.state['client'] as Client | undefined;
  if (!client) throw new Error('request reached without its client address resolved');
  return client;
}

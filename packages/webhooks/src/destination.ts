import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Address ranges a delivery may not reach unless private destinations are allowed
 * (`RUNQ_WEBHOOK_ALLOW_PRIVATE=1`): loopback, private, link-local, unspecified, multicast,
 * reserved and carrier-grade NAT. A subscriber must not make runq's workers call services
 * inside runq's own network (server-side request forgery).
 */
const REFUSED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, in either notation) stands for; undefined for any other. */
function mappedIpv4(address: string): string | undefined {
  const match = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(address) ?? /^::ffff:(.+)$/i.exec(address);
  if (!match?.[1]) return undefined;
  const tail = match[1];
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex?.[1] || !hex[2]) return undefined;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * Whether a delivery may not connect to `address` (an IP literal) unless private destinations
 * are allowed. Anything that is not an IP address is refused too.
 *
 * @example isRefusedAddress('10.1.2.3') // true
 */
export function isRefusedAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const version = isIP(bare);
  if (version === 4) return REFUSED.check(bare, 'ipv4');
  if (version !== 6) return true;
  const mapped = mappedIpv4(bare);
  if (mapped !== undefined) return REFUSED.check(mapped, 'ipv4');
  return REFUSED.check(bare, 'ipv6');
}

/** A destination runq does not deliver to; `message` says why, for a 400 or a delivery log. */
export class DestinationRefusedError extends Error {
  readonly code = 'destination_refused';
}

/**
 * The URL a subscription may deliver to: absolute `http` or `https`, with a host and without
 * credentials.
 *
 * @throws {DestinationRefusedError} saying what is wrong.
 */
export function parseDestinationUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DestinationRefusedError('must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DestinationRefusedError('must use http or https');
  if (url.username !== '' || url.password !== '') throw new DestinationRefusedError('must not carry credentials');
  if (url.hostname === '') throw new DestinationRefusedError('must name a host');
  return url;
}

/** One resolved address of a destination. */
export interface DestinationAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves `hostname` (every address) and checks each one: the addresses a delivery may connect
 * to. One refused address refuses the host, so that which address a connection picks cannot matter.
 *
 * @throws {DestinationRefusedError} when the host does not resolve or one of its addresses is refused.
 */
export async function resolveDestination(hostname: string, allowPrivate: boolean): Promise<DestinationAddress[]> {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  let addresses: DestinationAddress[];
  if (isIP(host) !== 0) {
    addresses = [{ address: host, family: isIP(host) as 4 | 6 }];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => ({ address: entry.address, family: entry.family as 4 | 6 }));
    } catch {
      throw new DestinationRefusedError(`host ${host} does not resolve`);
    }
    if (addresses.length === 0) throw new DestinationRefusedError(`host ${host} does not resolve`);
  }
  if (!allowPrivate) {
    const refused = addresses.find((entry) => isRefusedAddress(entry.address));
    if (refused) throw new DestinationRefusedError(`resolves to ${refused.address}, a loopback, private, link-local or reserved address`);
  }
  return addresses;
}

/** The `lookup` signature of `net.connect`: one address, or all of them when `options.all`. */
export type ConnectLookup = (
  hostname: string,
  options: { all?: boolean },
  callback: (error: Error | null, address: string | DestinationAddress[], family?: number) => void,
) => void;

/**
 * A `lookup` for the sockets of deliveries: resolves and checks with {@link resolveDestination},
 * and the socket connects to an address it checked, so a name that resolves elsewhere a moment
 * later (DNS rebinding) cannot slip past the check.
 */
export function checkedLookup(allowPrivate: boolean): ConnectLookup {
  return (hostname, options, callback) => {
    resolveDestination(hostname, allowPrivate).then(
      (addresses) => {
        const [first] = addresses;
        if (options.all) callback(null, addresses);
        else if (first) callback(null, first.address, first.family);
      },
      (error: Error) => callback(error, ''),
    );
  };
}

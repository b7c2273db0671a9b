import { clientResolver, InvalidTrustProxyError, normaliseAddress, parseTrustProxy, type ForwardingFacts } from './client-address.js';

/** The client `trust` (a `RUNQ_TRUST_PROXY` value, or undefined for unset) sees for a request from `peer`. */
function clientBehind(trust: string | undefined, peer: string | undefined, headers: { xff?: string; proto?: string } = {}, encrypted = false) {
  const facts: ForwardingFacts = { peer, forwardedFor: headers.xff ?? '', forwardedProto: headers.proto ?? '', encrypted };
  return clientResolver(trust === undefined ? { kind: 'none' } : parseTrustProxy(trust))(facts);
}

describe('normaliseAddress', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    [' 203.0.113.9 ', '203.0.113.9'],
    ['203.0.113.9:51234', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['::FFFF:cb00:7109', '203.0.113.9'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::1', '::1'],
  ])('when the address is written %j, then it is %j', (text, expected) => {
    expect(normaliseAddress(text)).toBe(expected);
  });

  it.each(['', 'unknown', '203.0.113', '203.0.113.256', '01.2.3.4', 'example.com', '[203.0.113.9]', '2001:db8::1:443:x', '203.0.113.9:'])(
    'when %j is not an address, then it is refused',
    (text) => {
      expect(normaliseAddress(text)).toBeUndefined();
    },
  );
});

describe('parseTrustProxy', () => {
  it('when the value is a hop count, then it trusts that many hops (0 trusts nobody)', () => {
    expect(parseTrustProxy('1')).toEqual({ kind: 'hops', hops: 1 });
    expect(parseTrustProxy(' 3 ')).toEqual({ kind: 'hops', hops: 3 });
    expect(parseTrustProxy('0')).toEqual({ kind: 'none' });
  });

  it('when the value lists IPv4 and IPv6 ranges and bare addresses, then each becomes a range', () => {
    expect(parseTrustProxy('10.0.0.0/8, fd00::/8,127.0.0.1/32,192.0.2.7,::1')).toEqual({
      kind: 'ranges',
      ranges: [
        { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
        { address: 'fd00::', prefix: 8, family: 'ipv6' },
        { address: '127.0.0.1', prefix: 32, family: 'ipv4' },
        { address: '192.0.2.7', prefix: 32, family: 'ipv4' },
        { address: '::1', prefix: 128, family: 'ipv6' },
      ],
    });
  });

  it.each([
    ['-1', /must be a hop count \(0, 1, 2, …\) or a comma-separated list of CIDR ranges/],
    ['yes', /must be a hop count/],
    ['1,2', /must be a hop count/],
    ['1.5', /not an IP address or CIDR range: "1.5"/],
    ['10.0.0.0/33', /not an IP address or CIDR range: "10.0.0.0\/33"/],
    ['fd00::/129', /"fd00::\/129"/],
    ['10.0.0.0/8,', /not an IP address or CIDR range: ""/],
    ['10.0.0.0/8,1', /: "1"$/],
    ['10.0.0.0/-1', /"10.0.0.0\/-1"/],
    ['10.0.0.0/8/8', /"10.0.0.0\/8\/8"/],
    ['10.0.0.300/8', /"10.0.0.300\/8"/],
    ['99999999999999999999', /safe integer/],
  ])('when the value is %j, then it is refused: %s', (value, message) => {
    expect(() => parseTrustProxy(value)).toThrow(InvalidTrustProxyError);
    expect(() => parseTrustProxy(value)).toThrow(message);
  });
});

describe('clientResolver', () => {
  it('when nobody is trusted, then the client is the peer and forwarding headers are ignored', () => {
    expect(clientBehind(undefined, '127.0.0.1', { xff: '203.0.113.9', proto: 'https' })).toEqual({ address: '127.0.0.1', scheme: 'http' });
    expect(clientBehind('0', '127.0.0.1', { xff: '203.0.113.9' }).address).toBe('127.0.0.1');
  });

  it('when the peer is an IPv4-mapped IPv6 address, then the client is its IPv4 form', () => {
    expect(clientBehind(undefined, '::ffff:127.0.0.1').address).toBe('127.0.0.1');
    expect(clientBehind('127.0.0.1/32', '::ffff:127.0.0.1', { xff: '::ffff:203.0.113.9' }).address).toBe('203.0.113.9');
  });

  it('when the socket has no peer address, then the client is unknown', () => {
    expect(clientBehind('1', undefined, { xff: '203.0.113.9' })).toEqual({ address: 'unknown', scheme: 'http' });
  });

  it('when one hop is trusted, then the client is the rightmost entry, whatever the client wrote to its left', () => {
    expect(clientBehind('1', '10.0.0.2', { xff: '203.0.113.9' }).address).toBe('203.0.113.9');
    expect(clientBehind('1', '10.0.0.2', { xff: '198.51.100.1, 203.0.113.9' }).address).toBe('203.0.113.9');
  });

  it('when N hops are trusted, then the client is N entries from the right of the entries and the peer', () => {
    const xff = '198.51.100.1, 203.0.113.9, 10.0.0.5, 10.0.0.4';
    expect(clientBehind('2', '10.0.0.2', { xff }).address).toBe('10.0.0.5');
    expect(clientBehind('3', '10.0.0.2', { xff }).address).toBe('203.0.113.9');
  });

  it('when more hops are trusted than there are entries, then the client is the leftmost entry', () => {
    expect(clientBehind('5', '10.0.0.2', { xff: '203.0.113.9, 10.0.0.4' }).address).toBe('203.0.113.9');
    expect(clientBehind('5', '10.0.0.2').address).toBe('10.0.0.2');
  });

  it('when ranges are trusted, then the walk goes leftwards past trusted proxies and stops at the first untrusted address', () => {
    const trust = '10.0.0.0/8,fd00::/8';
    expect(clientBehind(trust, '10.0.0.2', { xff: '198.51.100.1, 203.0.113.9, fd00::7, 10.9.9.9' }).address).toBe('203.0.113.9');
    expect(clientBehind(trust, 'fd00::1', { xff: '2001:db8::5' }).address).toBe('2001:db8::5');
  });

  it('when every forwarded address is a trusted proxy, then the client is the leftmost one', () => {
    expect(clientBehind('10.0.0.0/8', '10.0.0.2', { xff: '10.0.0.9, 10.0.0.3' }).address).toBe('10.0.0.9');
  });

  it('when an untrusted peer sends X-Forwarded-For and X-Forwarded-Proto, then both are ignored', () => {
    expect(clientBehind('10.0.0.0/8', '203.0.113.9', { xff: '10.0.0.1', proto: 'https' })).toEqual({ address: '203.0.113.9', scheme: 'http' });
  });

  it('when a trusted proxy sends no X-Forwarded-For, then the client is the proxy itself', () => {
    expect(clientBehind('127.0.0.1/32', '127.0.0.1').address).toBe('127.0.0.1');
  });

  it('when the walk meets an entry that is not an address, then the hop that passed it on is the client', () => {
    expect(clientBehind('10.0.0.0/8', '10.0.0.2', { xff: '203.0.113.9, garbage, 10.0.0.3' }).address).toBe('10.0.0.3');
    expect(clientBehind('2', '10.0.0.2', { xff: '198.51.100.1, unknown' }).address).toBe('10.0.0.2');
  });

  it('when a trusted peer says the client used https, then the scheme is https; an unknown scheme is ignored', () => {
    expect(clientBehind('1', '10.0.0.2', { xff: '203.0.113.9', proto: 'HTTPS' }).scheme).toBe('https');
    expect(clientBehind('1', '10.0.0.2', { xff: '203.0.113.9', proto: 'https, http' }).scheme).toBe('https');
    expect(clientBehind('1', '10.0.0.2', { proto: 'gopher' }).scheme).toBe('http');
    expect(clientBehind('1', '10.0.0.2', { proto: 'http' }, true).scheme).toBe('http');
    expect(clientBehind(undefined, '10.0.0.2', {}, true).scheme).toBe('https');
  });
});

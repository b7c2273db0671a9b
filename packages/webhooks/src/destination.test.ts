import { DestinationRefusedError, isRefusedAddress, parseDestinationUrl, resolveDestination } from './destination.js';

describe('isRefusedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '100.127.255.255',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '[::1]',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '::ffff:10.0.0.1',
    'not-an-address',
  ])('when the address is %s, then it is refused', (address) => {
    expect(isRefusedAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '::ffff:808:808'])(
    'when the address is %s, then it is allowed',
    (address) => {
      expect(isRefusedAddress(address)).toBe(false);
    },
  );
});

describe('parseDestinationUrl', () => {
  it('when the URL is http or https without credentials, then it is taken', () => {
    expect(parseDestinationUrl('https://hooks.example.com/runq?x=1').hostname).toBe('hooks.example.com');
    expect(parseDestinationUrl('http://93.184.216.34:8080/').port).toBe('8080');
  });

  it.each([
    ['ftp://example.com/', 'must use http or https'],
    ['file:///etc/passwd', 'must use http or https'],
    ['https://user:pass@example.com/', 'must not carry credentials'],
    ['https://user@example.com/', 'must not carry credentials'],
    ['not a url', 'must be an absolute URL'],
  ])('when the URL is %s, then it is refused: %s', (url, message) => {
    expect(() => parseDestinationUrl(url)).toThrow(new DestinationRefusedError(message));
  });
});

describe('resolveDestination', () => {
  it('when the host is a loopback literal or resolves to loopback, then it is refused unless private destinations are allowed', async () => {
    await expect(resolveDestination('127.0.0.1', false)).rejects.toThrow(DestinationRefusedError);
    await expect(resolveDestination('[::1]', false)).rejects.toThrow(DestinationRefusedError);
    await expect(resolveDestination('localhost', false)).rejects.toThrow(/loopback/);
    await expect(resolveDestination('127.0.0.1', true)).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('when the host is a public literal, then it is taken as it is', async () => {
    await expect(resolveDestination('93.184.216.34', false)).resolves.toEqual([{ address: '93.184.216.34', family: 4 }]);
  });
});

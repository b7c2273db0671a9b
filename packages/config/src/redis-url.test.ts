import { ConfigError } from './env.js';
import { InvalidRedisUrlError, optionalRedisUrl, parseRedisUrl } from './redis-url.js';

describe('parseRedisUrl', () => {
  it('when the URL names one server, then it is kept as written for ioredis', () => {
    expect(parseRedisUrl('redis://:secret@10.0.0.5:6380/2')).toEqual({ mode: 'standalone', url: 'redis://:secret@10.0.0.5:6380/2' });
    expect(parseRedisUrl('rediss://cache.example.com')).toEqual({ mode: 'standalone', url: 'rediss://cache.example.com' });
  });

  it('when the URL names a cluster, then every seed node is listed with its port (6379 when omitted)', () => {
    expect(parseRedisUrl('redis+cluster://10.0.0.1:7000,redis-1.redis:7001,redis-2,[::1]:7002/')).toEqual({
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-1.redis', port: 7001 },
        { host: 'redis-2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
  });

  it('when a cluster URL carries credentials and TLS, then they are decoded for every node', () => {
    expect(parseRedisUrl('rediss+cluster://runq:p%40ss%3Aword@a:1,b:2')).toMatchObject({
      mode: 'cluster',
      username: 'runq',
      password: 'p@ss:word',
      tls: true,
    });
    expect(parseRedisUrl('redis+cluster://:only-a-password@a:1')).toMatchObject({ username: undefined, password: 'only-a-password' });
  });

  it.each([
    ['http://a:1', /must use redis:, rediss:, redis\+cluster: or rediss\+cluster: \(got http:\)/],
    ['a:1,b:2', /must be a URL/],
    ['redis+cluster://a:1,b:99999', /cluster node that is not host:port/],
    ['redis+cluster://a:1,,b:2', /cluster node that is not host:port/],
    ['redis+cluster://', /cluster node that is not host:port/],
    ['redis+cluster://a:1,b:2/3', /takes no database/],
    ['redis+cluster://a:1?tls=true', /takes no database, path or options/],
    ['redis://a:notaport', /must be a URL/],
  ])('when REDIS_URL is %j, then it is refused: %s', (value, message) => {
    expect(() => parseRedisUrl(value)).toThrow(InvalidRedisUrlError);
    expect(() => parseRedisUrl(value)).toThrow(message);
  });
});

describe('optionalRedisUrl', () => {
  it('when the setting is unset or blank, then there is no Redis', () => {
    expect(optionalRedisUrl({}, 'REDIS_URL')).toBeUndefined();
    expect(optionalRedisUrl({ REDIS_URL: '  ' }, 'REDIS_URL')).toBeUndefined();
  });

  it('when the setting is malformed, then one line names the variable and never repeats the password', () => {
    const failure = (() => {
      try {
        optionalRedisUrl({ REDIS_URL: 'redis+cluster://u:hunter2@a:1,b:x' }, 'REDIS_URL');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).message).toMatch(/^REDIS_URL has a cluster node that is not host:port/);
    expect((failure as ConfigError).message).not.toContain('hunter2');
  });

  it('when the setting is a cluster URL, then it is returned as written', () => {
    expect(optionalRedisUrl({ REDIS_URL: 'redis+cluster://a:1,b:2' }, 'REDIS_URL')).toBe('redis+cluster://a:1,b:2');
  });
});

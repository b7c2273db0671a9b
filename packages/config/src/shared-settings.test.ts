import { DEFAULT_HOST, DEFAULT_QUEUE_PREFIX, MIN_SECRETS_KEY_CHARS, hostSetting, queuePrefixSetting, readSharedSettings } from './shared-settings.js';

import { configErrorOf } from './testing.js';

const BASE = { DATABASE_URL: 'postgres://runq:secret@db.internal:5432/runq' };

describe('readSharedSettings', () => {
  it('when only DATABASE_URL is set, then queues live in PostgreSQL under the prefix runq and the log level is info', () => {
    expect(readSharedSettings(BASE)).toEqual({
      databaseUrl: BASE.DATABASE_URL,
      redisUrl: undefined,
      queuePrefix: DEFAULT_QUEUE_PREFIX,
      logLevel: 'info',
      webhookAllowPrivate: false,
    });
    expect(DEFAULT_QUEUE_PREFIX).toBe('runq');
  });

  it('when every shared setting is given, then each is returned as written, in a frozen object', () => {
    const settings = readSharedSettings({ ...BASE, REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000', RUNQ_QUEUE_PREFIX: 'prod-eu', LOG_LEVEL: 'warn' });
    expect(settings).toEqual({
      databaseUrl: BASE.DATABASE_URL,
      redisUrl: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000',
      queuePrefix: 'prod-eu',
      logLevel: 'warn',
      webhookAllowPrivate: false,
    });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it.each([
    ['DATABASE_URL', {}],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/runq' }],
    ['DATABASE_URL', { DATABASE_URL: '   ' }],
    ['REDIS_URL', { ...BASE, REDIS_URL: 'http://redis:6379' }],
    ['REDIS_URL', { ...BASE, REDIS_URL: 'redis+cluster://a:1,b:port' }],
    ['RUNQ_QUEUE_PREFIX', { ...BASE, RUNQ_QUEUE_PREFIX: 'has space' }],
    ['LOG_LEVEL', { ...BASE, LOG_LEVEL: 'verbose' }],
    ['RUNQ_SECRETS_KEY', { ...BASE, RUNQ_SECRETS_KEY: 'too-short-a-key' }],
    ['RUNQ_WEBHOOK_ALLOW_PRIVATE', { ...BASE, RUNQ_WEBHOOK_ALLOW_PRIVATE: 'yes' }],
  ])('when %s is missing or malformed (%j), then a ConfigError names it on one line', (variable, env) => {
    const error = configErrorOf(() => readSharedSettings(env));
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable} `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('when a URL with a password is refused, then the message does not repeat the password', () => {
    expect(configErrorOf(() => readSharedSettings({ DATABASE_URL: 'mysql://runq:hunter2@db/runq' })).message).not.toContain('hunter2');
    expect(configErrorOf(() => readSharedSettings({ ...BASE, REDIS_URL: 'redis+cluster://:hunter2@a:1,b:x' })).message).not.toContain('hunter2');
  });
});

describe('RUNQ_WEBHOOK_ALLOW_PRIVATE', () => {
  it('when set to 1, then webhook destinations may be private; unset or 0, they may not', () => {
    expect(readSharedSettings({ ...BASE, RUNQ_WEBHOOK_ALLOW_PRIVATE: '1' }).webhookAllowPrivate).toBe(true);
    expect(readSharedSettings({ ...BASE, RUNQ_WEBHOOK_ALLOW_PRIVATE: '0' }).webhookAllowPrivate).toBe(false);
    expect(readSharedSettings(BASE).webhookAllowPrivate).toBe(false);
  });
});

describe('RUNQ_SECRETS_KEY', () => {
  it('when set to 32 characters or more, then it is returned; a shorter one is refused without being repeated', () => {
    const key = 'k'.repeat(MIN_SECRETS_KEY_CHARS);
    expect(readSharedSettings({ ...BASE, RUNQ_SECRETS_KEY: key }).secretsKey).toBe(key);
    expect(readSharedSettings(BASE).secretsKey).toBeUndefined();
    const short = 'hunter2-'.repeat(3);
    expect(configErrorOf(() => readSharedSettings({ ...BASE, RUNQ_SECRETS_KEY: short })).message).not.toContain('hunter2');
  });
});

describe('queuePrefixSetting', () => {
  it.each(['runq', 'test-0b6c2f1e-9f1c-4a57-9d7a-3c1f3e0f2a11', '{runq}', 'a.b_c', 'x'.repeat(64)])(
    'when the prefix is %s, then it is accepted as written',
    (prefix) => {
      expect(queuePrefixSetting({ RUNQ_QUEUE_PREFIX: prefix })).toBe(prefix);
    },
  );

  it.each(['x'.repeat(65), 'a:b', 'a/b', 'a b', 'pré'])('when the prefix is %s, then RUNQ_QUEUE_PREFIX is refused', (prefix) => {
    expect(configErrorOf(() => queuePrefixSetting({ RUNQ_QUEUE_PREFIX: prefix })).message).toBe(
      'RUNQ_QUEUE_PREFIX must be 1 to 64 letters, digits or _ { } . -',
    );
  });
});

describe('hostSetting', () => {
  it('when HOST is unset or blank, then processes listen on loopback only; otherwise on HOST', () => {
    expect(hostSetting({})).toBe(DEFAULT_HOST);
    expect(hostSetting({ HOST: ' ' })).toBe('127.0.0.1');
    expect(hostSetting({ HOST: '0.0.0.0' })).toBe('0.0.0.0');
  });
});

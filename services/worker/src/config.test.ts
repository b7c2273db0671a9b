import { configErrorOf } from '@runq/config/testing';
import { loadWorkerConfig } from './config.js';

const BASE = { DATABASE_URL: 'postgres://runq@127.0.0.1:5432/runq' };

describe('worker concurrency', () => {
  it('when nothing is set, then every kind runs 10 at once', () => {
    expect(loadWorkerConfig(BASE).concurrency).toEqual({ agent: 10, workflow: 10, task: 10, eval: 10 });
  });

  it('when --concurrency is a plain number, then it applies to every kind', () => {
    expect(loadWorkerConfig(BASE, { concurrency: '20' }).concurrency).toEqual({ agent: 20, workflow: 20, task: 20, eval: 20 });
  });

  it('when --concurrency names kinds, then those kinds get their own number and the others keep the default', () => {
    expect(loadWorkerConfig(BASE, { concurrency: 'task=32,agent=4' }).concurrency).toEqual({ agent: 4, workflow: 10, task: 32, eval: 10 });
  });

  it('when a plain number and kinds are mixed, then the number is the default of the kinds not named', () => {
    expect(loadWorkerConfig(BASE, { concurrency: '8, agent=2' }).concurrency).toEqual({ agent: 2, workflow: 8, task: 8, eval: 8 });
  });

  it('when RUNQ_WORKER_CONCURRENCY has the per-kind form, then it is read like the flag, and the flag wins over it', () => {
    const env = { ...BASE, RUNQ_WORKER_CONCURRENCY: 'eval=3' };
    expect(loadWorkerConfig(env).concurrency.eval).toBe(3);
    expect(loadWorkerConfig(env, { concurrency: '5' }).concurrency).toEqual({ agent: 5, workflow: 5, task: 5, eval: 5 });
  });

  it('when a dedicated pool sets only its own kinds, then the setting is accepted', () => {
    const config = loadWorkerConfig(BASE, { kinds: 'agent', concurrency: 'agent=4' });
    expect(config.kinds).toEqual(['agent']);
    expect(config.concurrency.agent).toBe(4);
  });

  it.each([
    [{ concurrency: 'task=0' }, /^--concurrency must be N or kind=N,kind=N/],
    [{ concurrency: 'task=1001' }, /^--concurrency must be N or kind=N/],
    [{ concurrency: 'jobs=3' }, /^--concurrency must be N or kind=N/],
    [{ concurrency: 'task=3,' }, /^--concurrency must be N or kind=N/],
    [{ concurrency: 'task=3,task=4' }, /^--concurrency names task twice$/],
    [{ concurrency: '3,4' }, /^--concurrency has more than one plain number/],
    [{ kinds: 'task', concurrency: 'agent=4' }, /^--concurrency sets agent, which this worker does not run \(its kinds: task\)$/],
  ])('when the flags are %j, then the worker refuses to start with one line: %s', (flags, message) => {
    expect(configErrorOf(() => loadWorkerConfig(BASE, flags)).message).toMatch(message);
  });

  it('when RUNQ_WORKER_CONCURRENCY is malformed, then the error names that variable', () => {
    expect(configErrorOf(() => loadWorkerConfig({ ...BASE, RUNQ_WORKER_CONCURRENCY: 'lots' })).variable).toBe('RUNQ_WORKER_CONCURRENCY');
  });
});

describe('worker runtime targets', () => {
  const ENV = '6f1c1b2e-3d4a-4b5c-8d6e-7f8091a2b3c4';

  it('when no --runtime-target is given, then the worker serves main_branch', () => {
    expect(loadWorkerConfig(BASE).runtimeTargets).toEqual(['main_branch']);
  });

  it('when --runtime-target is repeated, then the worker serves each target once', () => {
    const flags = { 'runtime-target': [`environment:${ENV}`, 'main_branch', `ENVIRONMENT:${ENV.toUpperCase()}`, `preview_branch:${ENV}`] };
    expect(loadWorkerConfig(BASE, flags).runtimeTargets).toEqual([`environment:${ENV}`, 'main_branch', `preview_branch:${ENV}`]);
  });

  it('when a --runtime-target is malformed, then the worker refuses to start naming the flag', () => {
    const error = configErrorOf(() => loadWorkerConfig(BASE, { 'runtime-target': ['staging'] }));
    expect(error.variable).toBe('--runtime-target');
    expect(error.message).toContain('must be main_branch, environment:<uuid> or preview_branch:<uuid> (got "staging")');
  });
});

describe('worker queue backend and retention settings', () => {
  it('when REDIS_URL names a cluster, then the worker accepts it as written', () => {
    const url = 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000';
    expect(loadWorkerConfig({ ...BASE, REDIS_URL: url }).redisUrl).toBe(url);
  });

  it('when REDIS_URL is a malformed cluster URL, then the worker refuses to start naming REDIS_URL', () => {
    expect(configErrorOf(() => loadWorkerConfig({ ...BASE, REDIS_URL: 'redis+cluster://a:1,b:port' })).variable).toBe('REDIS_URL');
  });

  it('when RUNQ_RETENTION_DAYS is unset, then finished runs are kept', () => {
    expect(loadWorkerConfig(BASE).retention).toBeUndefined();
  });

  it('when RUNQ_RETENTION_DAYS is set, then runs older than that many days go, in batches of 500 once a minute unless told otherwise', () => {
    expect(loadWorkerConfig({ ...BASE, RUNQ_RETENTION_DAYS: '30' }).retention).toEqual({ maxAgeMs: 30 * 86_400_000, batchSize: 500, intervalMs: 60_000 });
    expect(loadWorkerConfig({ ...BASE, RUNQ_RETENTION_DAYS: '0.5', RUNQ_RETENTION_BATCH: '50', RUNQ_RETENTION_INTERVAL_MS: '1000' }).retention).toEqual({
      maxAgeMs: 43_200_000,
      batchSize: 50,
      intervalMs: 1000,
    });
  });

  it.each(['0', '-1', 'thirty', '36501', '1e3'])('when RUNQ_RETENTION_DAYS is %j, then the worker refuses to start naming it', (days) => {
    expect(configErrorOf(() => loadWorkerConfig({ ...BASE, RUNQ_RETENTION_DAYS: days })).variable).toBe('RUNQ_RETENTION_DAYS');
  });
});

import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureRedisServerIn } from './ensure-redis-server.js';
import { RedisNotInstalledError } from './errors.js';

const ignore = (): void => undefined;

describe('ensureRedisServerIn', () => {
  let workDir: string;
  let binDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'runq-local-ensure-redis-'));
  });

  beforeEach(async () => {
    binDir = await mkdtemp(join(workDir, 'bin-'));
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  /** Writes an executable shell script. */
  async function script(path: string, body: string): Promise<string> {
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  }

  /**
   * A stand-in for apt-get that records each call (with DEBIAN_FRONTEND) and fails `install`
   * until `update` has run, when install then "installs" a redis-server into binDir.
   */
  async function flakyAptGet(calls: string): Promise<string> {
    const marker = join(workDir, `updated-${Date.now()}`);
    return script(
      join(workDir, `apt-get-${Date.now()}`),
      [
        `echo "$DEBIAN_FRONTEND $*" >> '${calls}'`,
        `case "$1" in`,
        `  update) touch '${marker}' ;;`,
        `  install) [ -f '${marker}' ] || { echo 'E: Unable to locate package redis-server' >&2; exit 100; }`,
        `    printf '#!/bin/sh\\n' > '${binDir}/redis-server'; chmod 755 '${binDir}/redis-server' ;;`,
        `esac`,
      ].join('\n'),
    );
  }

  it('when redis-server is on the search path, then its path is returned and nothing is installed', async () => {
    const redisServer = await script(join(binDir, 'redis-server'), 'exit 0');
    const logged: string[] = [];

    await expect(
      ensureRedisServerIn({ searchDirs: [join(workDir, 'nowhere'), binDir], root: true, aptGet: undefined, log: (line) => logged.push(line) }),
    ).resolves.toBe(redisServer);
    expect(logged).toEqual([]);
  });

  it('when redis-server is missing and the process is not root, then one line names what to install', async () => {
    const failure = await ensureRedisServerIn({ searchDirs: [binDir], root: false, aptGet: '/usr/bin/apt-get', log: ignore }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RedisNotInstalledError);
    expect((failure as RedisNotInstalledError).code).toBe('redis_not_installed');
    expect((failure as Error).message).toBe(
      'redis-server is not installed; install Redis 6.2+ (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)',
    );
  });

  it('when redis-server is missing on a root machine without apt-get, then the same clear error is raised', async () => {
    await expect(ensureRedisServerIn({ searchDirs: [binDir], root: true, aptGet: undefined, log: ignore })).rejects.toThrow(
      /^redis-server is not installed; install Redis 6\.2\+/,
    );
  });

  it('when the first install fails, then apt-get update runs and the install is retried once, with one progress line', async () => {
    const calls = join(workDir, `calls-${Date.now()}`);
    const aptGet = await flakyAptGet(calls);
    const logged: string[] = [];

    const path = await ensureRedisServerIn({ searchDirs: [binDir], root: true, aptGet, log: (line) => logged.push(line) });

    expect(path).toBe(join(binDir, 'redis-server'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/installing it with apt-get/);
    const lines = (await readFile(calls, 'utf8')).trim().split('\n');
    expect(lines).toEqual([
      'noninteractive install -y -q -o DPkg::Lock::Timeout=120 redis-server',
      'noninteractive update -q -o DPkg::Lock::Timeout=120',
      'noninteractive install -y -q -o DPkg::Lock::Timeout=120 redis-server',
    ]);
  });

  it('when apt-get keeps failing, then the error is one line with its last message and what to install', async () => {
    await mkdir(binDir, { recursive: true });
    const aptGet = await script(join(workDir, 'apt-get-broken'), `echo 'E: Could not open lock file' >&2; exit 100`);

    const failure = await ensureRedisServerIn({ searchDirs: [binDir], root: true, aptGet, log: ignore }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RedisNotInstalledError);
    expect((failure as Error).message).toBe(
      'redis-server is not installed and apt-get could not install it (exit code 100: E: Could not open lock file); ' +
        'install Redis 6.2+ (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)',
    );
  });
});

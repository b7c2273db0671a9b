import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

import { RedisNotInstalledError } from './errors.js';
import { runningAsRoot } from './postgres-owner.js';

const execFileAsync = promisify(execFile);

/** Options of {@link ensureRedisServer}. */
export interface EnsureRedisServerOptions {
  /** Receives the one progress line printed before installing. Default: standard error. */
  readonly log?: (line: string) => void;
}

/** Everything {@link ensureRedisServerIn} depends on, so tests can exercise each path. */
export interface RedisServerEnvironment {
  /** Directories searched, in order, for `redis-server`. */
  readonly searchDirs: readonly string[];
  /** Whether this process may install packages. */
  readonly root: boolean;
  /** Path of apt-get, or undefined on machines without it. */
  readonly aptGet: string | undefined;
  readonly log: (line: string) => void;
}

/** The one-line instruction given whenever we cannot provide Redis ourselves. */
export const INSTALL_HINT = 'install Redis 6.2+ (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)';

/** Runs apt-get non-interactively; waits for a dpkg lock held by a concurrent install instead of failing. */
const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };
const APT_LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=120'];

/**
 * Returns the path of `redis-server`, installing it first when it is missing and this process
 * can: as root on a machine with apt-get (Debian's `redis-server` package is Redis 7.0), it prints
 * one progress line and runs `apt-get install -y -q redis-server`, and if that fails (typically
 * stale package lists on a fresh machine) `apt-get update -q` and the install once more.
 * Otherwise it throws {@link RedisNotInstalledError} with one line naming what to install.
 *
 * @example
 * const redisServer = await ensureRedisServer(); // '/usr/bin/redis-server'
 */
export async function ensureRedisServer(options: EnsureRedisServerOptions = {}): Promise<string> {
  installing ??= (async () => ensureRedisServerIn(await currentEnvironment(options.log)))().finally(() => {
    installing = undefined;
  });
  return installing;
}

/** One lookup (and at most one apt-get run) at a time within this process. */
let installing: Promise<string> | undefined;

/**
 * Returns the path of `redis-cli` (used to form a local Redis Cluster), installing Debian's
 * `redis-tools` when it is missing and this process can, as {@link ensureRedisServer} does.
 */
export async function ensureRedisCli(options: EnsureRedisServerOptions = {}): Promise<string> {
  return ensureExecutableIn(await currentEnvironment(options.log), {
    executable: 'redis-cli',
    debianPackage: 'redis-tools',
    hint: INSTALL_HINT,
    error: (message, init) => new RedisNotInstalledError(message, init),
  });
}

/** {@link ensureRedisServer} against an explicit environment. */
export async function ensureRedisServerIn(env: RedisServerEnvironment): Promise<string> {
  return ensureExecutableIn(env, {
    executable: 'redis-server',
    debianPackage: 'redis-server',
    hint: INSTALL_HINT,
    error: (message, options) => new RedisNotInstalledError(message, options),
  });
}

/** What {@link ensureExecutableIn} provides and how it reports failure. */
export interface ExecutableSpec {
  executable: string;
  debianPackage: string;
  /** The one-line instruction appended to every failure. */
  hint: string;
  error: (message: string, options?: { cause: unknown }) => Error;
}

/**
 * Returns the path of `spec.executable`, installing its Debian package first when it is
 * missing and this process can (root with apt-get): one progress line, `apt-get install`, and
 * on failure `apt-get update` and the install once more. Otherwise one clear error line.
 */
export async function ensureExecutableIn(env: RedisServerEnvironment, spec: ExecutableSpec): Promise<string> {
  const found = await findExecutable(spec.executable, env.searchDirs);
  if (found) return found;
  if (!env.root || !env.aptGet) throw spec.error(`${spec.executable} is not installed; ${spec.hint}`);

  env.log(`runq: ${spec.executable} is not installed; installing it with apt-get (package ${spec.debianPackage})...`);
  const install = (): Promise<void> => runApt(env.aptGet as string, ['install', '-y', '-q', ...APT_LOCK_WAIT, spec.debianPackage]);
  try {
    await install();
  } catch {
    try {
      await runApt(env.aptGet, ['update', '-q', ...APT_LOCK_WAIT]);
      await install();
    } catch (error) {
      throw spec.error(`${spec.executable} is not installed and apt-get could not install it (${aptFailure(error)}); ${spec.hint}`, { cause: error });
    }
  }
  const installed = await findExecutable(spec.executable, env.searchDirs);
  if (!installed) throw spec.error(`apt-get installed ${spec.debianPackage} but ${spec.executable} is not on the search path; ${spec.hint}`);
  return installed;
}

/** The environment of this process, for {@link ensureExecutableIn}. */
export async function currentEnvironment(log?: (line: string) => void): Promise<RedisServerEnvironment> {
  return {
    searchDirs: defaultSearchDirs(),
    root: runningAsRoot(),
    aptGet: await findExecutable('apt-get', ['/usr/bin', '/bin']),
    log: log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
}

/** PATH, then the usual install locations (a root shell's PATH may lack /usr/local/bin). */
function defaultSearchDirs(): string[] {
  const fromPath = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir.length > 0);
  return [...new Set([...fromPath, '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin'])];
}

/** The first `dir/name` that is an executable file. */
async function findExecutable(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not here: keep looking.
    }
  }
  return undefined;
}

async function runApt(aptGet: string, args: string[]): Promise<void> {
  await execFileAsync(aptGet, args, { env: { ...process.env, ...APT_ENV }, maxBuffer: 64 * 1024 * 1024 });
}

/** apt-get's exit code and its last error line, e.g. "exit code 100: E: Unable to locate package redis-server". */
function aptFailure(error: unknown): string {
  const failure = error as { code?: unknown; stderr?: unknown; message?: unknown };
  const output = typeof failure.stderr === 'string' ? failure.stderr : '';
  const lastLine = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .pop();
  const code = typeof failure.code === 'number' ? `exit code ${failure.code}` : String(failure.code ?? failure.message ?? 'failed');
  return lastLine ? `${code}: ${lastLine}` : code;
}

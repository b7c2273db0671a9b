import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

import { ClusterStateError } from './errors.js';

/**
 * What a persistent cluster remembers between runs, in a JSON file beside its data directory
 * (`<dataDir>.json`, mode 0600). Beside rather than inside: the data directory belongs to the
 * server's account (`postgres` when started by root), this file to whoever runs `runq start`.
 */
export interface PostgresState {
  readonly version: 1;
  /** Superuser name given to initdb. */
  readonly user: string;
  /** Its password, generated at initdb and never changed. */
  readonly password: string;
  /** The port of the last successful start; reused next time when still free. */
  readonly port?: number;
}

/** The superuser every cluster is initialised with. */
export const SUPERUSER = 'postgres';

/** Where the state of the cluster at `dataDir` is kept. */
export function statePathFor(dataDir: string): string {
  return `${dataDir}.json`;
}

/**
 * A fresh random password: 24 characters of base64url (144 bits), safe in a URL without
 * escaping and in initdb's password file.
 */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Reads the state of an existing cluster. A missing or malformed file is a
 * {@link ClusterStateError}: without the password the cluster cannot be used, and guessing is
 * not an option.
 */
export async function readState(path: string, dataDir: string): Promise<PostgresState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ClusterStateError(path, `the credentials of the cluster in ${dataDir} are missing; remove ${dataDir} to create a new, empty cluster`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ClusterStateError(path, 'not valid JSON; restore it or remove it together with the data directory', { cause: error });
  }
  if (!isState(parsed)) {
    throw new ClusterStateError(path, 'unexpected content; restore it or remove it together with the data directory');
  }
  return parsed;
}

/** Writes `state` atomically (temporary file + rename), readable by its owner only. */
export async function writeState(path: string, state: PostgresState): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function isState(value: unknown): value is PostgresState {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    record.version === 1 &&
    typeof record.user === 'string' &&
    typeof record.password === 'string' &&
    record.password.length > 0 &&
    (record.port === undefined || (Number.isInteger(record.port) && (record.port as number) > 0 && (record.port as number) < 65536))
  );
}

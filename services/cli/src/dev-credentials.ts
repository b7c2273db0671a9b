import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApiKey, parseApiKey } from '@runq/auth';
import { findApiKeyByPrefix, type Db } from '@runq/db';

/** The development project and key `runq start` prints, and its secrets key; kept in `.runq/dev.json` (mode 0600). */
export interface DevCredentials {
  projectId: string;
  apiKey: string;
  adminToken: string;
  /** `RUNQ_SECRETS_KEY` of the local deployment: seals its webhook secrets. */
  secretsKey: string;
}

async function readSaved(path: string): Promise<Partial<DevCredentials>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Partial<DevCredentials>;
  } catch {
    return {};
  }
}

/**
 * Returns the development credentials of this checkout, creating what is missing: a project
 * id, an API key for it (re-created when the database no longer knows it), and a dashboard
 * token. Reusing them across restarts keeps the printed key working in scripts.
 */
export async function ensureDevCredentials(db: Db, stateDir: string): Promise<DevCredentials> {
  const path = join(stateDir, 'dev.json');
  const saved = await readSaved(path);
  const projectId = saved.projectId ?? randomUUID();
  let apiKey = saved.apiKey;
  const parts = apiKey ? parseApiKey(apiKey) : undefined;
  const row = parts ? await findApiKeyByPrefix(db, parts.prefix) : undefined;
  if (!row || row.revoked_at !== null || !row.project_ids.includes(projectId)) {
    apiKey = (await createApiKey(db, { projectIds: [projectId], name: 'runq start (development)' })).token;
  }
  const credentials: DevCredentials = {
    projectId,
    apiKey: apiKey as string,
    adminToken: saved.adminToken ?? randomBytes(18).toString('base64url'),
    secretsKey: saved.secretsKey ?? randomBytes(32).toString('base64'),
  };
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}

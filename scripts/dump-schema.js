#!/usr/bin/env node
// Regenerates packages/db/schema.sql: migrates a throwaway database and writes its schema
// description. Run after adding a migration: `npm run schema` (the test suite fails on drift).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSchema, migrateToLatest, openDatabase } from '@runq/db';
import { startLocalPostgres } from '@runq/local';

const dir = await mkdtemp(join(tmpdir(), 'runq-schema-'));
const server = await startLocalPostgres({ dataDir: join(dir, 'postgres'), persistent: false });
try {
  const db = openDatabase(await server.createDatabase('schema'), { maxConnections: 1 });
  try {
    const { error } = await migrateToLatest(db);
    if (error) throw error;
    await writeFile(new URL('../packages/db/schema.sql', import.meta.url), await describeSchema(db));
  } finally {
    await db.destroy();
  }
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write('wrote packages/db/schema.sql\n');

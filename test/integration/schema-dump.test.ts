import { readFile } from 'node:fs/promises';
import { describeSchema, openDatabase } from '@runq/db';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';

describe('schema dump', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('when the migrations are applied, then the schema equals the committed packages/db/schema.sql', async () => {
    const db = openDatabase(database.url, { maxConnections: 1 });
    try {
      const committed = await readFile(new URL('../../packages/db/schema.sql', import.meta.url), 'utf8');
      // On failure: run `npm run schema` and commit the result with the migration.
      expect(await describeSchema(db)).toBe(committed);
    } finally {
      await db.destroy();
    }
  });
});

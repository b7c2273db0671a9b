import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { Database } from './database.js';
import { inProjects } from './scope.js';

/** Compiles queries as the PostgreSQL dialect would, without a connection. */
const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new PostgresIntrospector(kysely),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

describe('inProjects', () => {
  it('when the caller has one project, then it is compared by equality (so a project_id-leading index serves id order)', () => {
    const compiled = db
      .selectFrom('runs')
      .select('id')
      .where('project_id', '=', inProjects([A]))
      .compile();
    expect(compiled.sql).toBe('select "id" from "runs" where "project_id" = $1::uuid');
    expect(compiled.parameters).toEqual([A]);
  });

  it('when the caller has several projects, then they go as one uuid[] parameter', () => {
    const compiled = db
      .selectFrom('runs')
      .select('id')
      .where('project_id', '=', inProjects([A, B]))
      .compile();
    expect(compiled.sql).toBe('select "id" from "runs" where "project_id" = any($1::uuid[])');
    expect(compiled.parameters).toEqual([[A, B]]);
  });
});

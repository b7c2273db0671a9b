import { sql, type RawBuilder } from 'kysely';

/**
 * The right-hand side of `project_id = any(…)`: the caller's projects as one `uuid[]`
 * parameter, so a caller with many projects still sends one bind value and one plan.
 *
 * @example query.where('project_id', '=', inProjects(caller.projectIds))
 */
export function inProjects(projectIds: readonly string[]): RawBuilder<string> {
  return sql<string>`any(${[...projectIds]}::uuid[])`;
}

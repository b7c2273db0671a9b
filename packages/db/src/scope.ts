import { sql, type RawBuilder } from 'kysely';

/**
 * The right-hand side of `project_id = …` for the caller's projects. One project (what an API
 * key usually has) is compared by equality: only then can PostgreSQL read an index that starts
 * with `project_id` (`runs_project_idx`, `runs_project_status_idx`, …) in `id` order and stop
 * after a page. With `any(array)`, even of one element, it cannot tell that the rows come out
 * in `id` order, so it walks the primary key and filters out other projects' runs, or reads
 * every matching run and sorts them. Several projects go as one `uuid[]` parameter, so a
 * caller with many projects still sends one bind value and one plan.
 *
 * @example query.where('project_id', '=', inProjects(caller.projectIds))
 */
export function inProjects(projectIds: readonly string[]): RawBuilder<string> {
  const [only] = projectIds;
  return projectIds.length === 1 && only !== undefined ? sql<string>`${only}::uuid` : sql<string>`any(${[...projectIds]}::uuid[])`;
}

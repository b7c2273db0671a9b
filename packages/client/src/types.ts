import type { components, operations, paths } from './generated/api.js';

/** A run envelope. */
export type Run = components['schemas']['Run'];
/** A run's status. */
export type RunStatus = Run['status'];
/** An event of a run's log. */
export type RunEvent = components['schemas']['RunEvent'];
/** The body of `POST /runs` (the contract's request schema). */
export type CreateRunBody = paths['/runs']['post']['requestBody'] extends infer B
  ? B extends { content: { 'application/json': infer T } }
    ? T
    : never
  : never;
/** The 202 answer of `POST /runs`. */
export type CreateRunResult = paths['/runs']['post']['responses']['202']['content']['application/json'];
/** Filters of `GET /runs` (without `cursor`, which the iterator manages). */
export type ListRunsFilter = Omit<NonNullable<operations['listRuns']['parameters']['query']>, 'cursor'>;
/** A page of `GET /runs`. */
export type RunPage = operations['listRuns']['responses']['200']['content']['application/json'];
/** Body of a caller-executed run's completion. */
export type CompleteRunBody = components['schemas']['CompleteRunRequest'];
/** Body of a caller-executed run's failure. */
export type FailRunBody = components['schemas']['FailRunRequest'];
/** Body of a caller-executed run's wait. */
export type WaitRunBody = components['schemas']['WaitRunRequest'];

/** The authenticated caller and its projects (`GET /whoami`). */
export type Whoami = components['schemas']['Whoami'];

/** Statuses nothing moves a run out of. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

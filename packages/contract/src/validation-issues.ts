import type { ErrorObject } from 'ajv/dist/2020.js';
import { selectBranchErrors } from './branch-selection.js';
import { describeAjvError } from './issue-messages.js';
import type { ValidationIssue } from './validation-issue.js';

export type { ValidationIssue } from './validation-issue.js';

/**
 * The outcome of validating a body: the same object, typed, or a non-empty list of issues.
 *
 * @example
 * const result = validateCreateRunRequest(ctx.request.body);
 * if (!result.ok) throw new ValidationFailedError(result.errors);
 * enqueue(result.value);
 */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };

/**
 * Converts the errors of one failed Ajv validation into the issues reported to the client:
 * 1. `anyOf`/`oneOf` errors are narrowed to the branch the body meant (`selectBranchErrors`);
 * 2. each error becomes `{ path, message }` (`describeAjvError`);
 * 3. a type error is dropped where the same value also failed its `enum`, whose list of
 *    allowed values already says what is expected;
 * 4. duplicates (same path and message) are dropped, keeping the first, so the order is the
 *    order of the schema, which is stable from one call to the next.
 * The result is never empty: a failure without a describable error reports the body itself.
 */
export function toValidationIssues(errors: readonly ErrorObject[]): ValidationIssue[] {
  const entries = selectBranchErrors(errors);
  const enumPaths = new Set(entries.flatMap((entry) => ('error' in entry && entry.error.keyword === 'enum' ? [entry.error.instancePath] : [])));
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const entry of entries) {
    if ('error' in entry && entry.error.keyword === 'type' && enumPaths.has(entry.error.instancePath)) continue;
    const issue = 'error' in entry ? describeAjvError(entry.error) : entry.issue;
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues.length > 0 ? issues : [{ path: '', message: 'is invalid' }];
}

/*
 * Table-driven request cases: a minimal valid body (a fixture of `src/testing.ts`), JSON
 * pointer edits, and the exact issues expected. `covers` names the constraints of the
 * document a case exercises (ids from `constraint-ids.ts`); `request-tables.test.ts`
 * checks that every constraint of the request schema is covered.
 */
import type { ValidationIssue } from '../validation-issues.js';
import { REMOVE, SAMPLE_UUID, type RequestFixture } from '../testing.js';

/** One row of a request table. */
export interface RequestCase {
  fixture: RequestFixture;
  edits: ReadonlyArray<readonly [pointer: string, value: unknown]>;
  expected: 'valid' | readonly ValidationIssue[];
  covers: readonly string[];
}

/** Expected messages, spelled out once. */
export const MSG = {
  required: 'is required',
  unknown: 'is not allowed (unknown property)',
  uuid: 'must be a UUID',
  notEmpty: 'must not be empty',
  string: 'must be a string',
  object: 'must be an object',
  integer: 'must be an integer',
  maxLength: (limit: number) => `must be at most ${limit} characters long`,
  maxItems: (limit: number) => `must contain at most ${limit} items`,
  pattern: (pattern: string) => `must match the pattern ${pattern}`,
  greaterThan: (limit: number) => `must be greater than ${limit}`,
  atLeast: (limit: number) => `must be greater than or equal to ${limit}`,
  oneOf: (values: readonly unknown[]) => `must be one of: ${values.map((value) => JSON.stringify(value)).join(', ')}`,
  exactly: (value: unknown) => `must be ${JSON.stringify(value)}`,
  requiredOneOf: (values: readonly unknown[]) => `is required and must be one of: ${values.map((value) => JSON.stringify(value)).join(', ')}`,
} as const;

/** A case name that reads "when …, then …". */
export function caseName(row: RequestCase): string {
  const edits =
    row.edits.length === 0
      ? 'is used as it is'
      : `has ${row.edits.map(([pointer, value]) => (value === REMOVE ? `${pointer} removed` : `${pointer} = ${show(value)}`)).join(' and ')}`;
  const outcome = row.expected === 'valid' ? 'it is accepted' : row.expected.map((issue) => `${issue.path || '(root)'} ${issue.message}`).join('; ');
  return `when the ${row.fixture} body ${edits}, then ${outcome}`;
}

function show(value: unknown): string {
  if (typeof value === 'string' && value.length > 24) return `"${value.slice(0, 6)}…" (${value.length} chars)`;
  if (Array.isArray(value) && value.length > 3) return `[${value.length} items]`;
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Shorthand for a case with one edit. */
export function edit(fixture: RequestFixture, pointer: string, value: unknown, expected: RequestCase['expected'], ...covers: string[]): RequestCase {
  return { fixture, edits: [[pointer, value]], expected, covers };
}

/** The issue list of one issue at `path`. */
export function issue(path: string, message: string): ValidationIssue[] {
  return [{ path, message }];
}

/** Removing `pointer` reports it as required. */
export function requiredCase(fixture: RequestFixture, pointer: string, id: string): RequestCase {
  const name = pointer.slice(pointer.lastIndexOf('/') + 1);
  return edit(fixture, pointer, REMOVE, issue(pointer, MSG.required), `${id}#required:${name}`);
}

/** An unknown property inside the object at `pointer` is refused. */
export function unknownPropertyCase(fixture: RequestFixture, pointer: string, id: string): RequestCase {
  return edit(fixture, `${pointer}/unexpected`, 1, issue(`${pointer}/unexpected`, MSG.unknown), `${id}#additionalProperties`);
}

/** Length limits of a string at `pointer`: both edges accepted, one past each refused. */
export function lengthCases(fixture: RequestFixture, pointer: string, id: string, limits: { min?: 1; max?: number; char?: string }): RequestCase[] {
  const char = limits.char ?? 'a';
  const cases: RequestCase[] = [];
  if (limits.min === 1) {
    cases.push(edit(fixture, pointer, char, 'valid'));
    cases.push(edit(fixture, pointer, '', issue(pointer, MSG.notEmpty), `${id}#minLength`));
  }
  if (limits.max !== undefined) {
    cases.push(edit(fixture, pointer, char.repeat(limits.max), 'valid'));
    cases.push(edit(fixture, pointer, char.repeat(limits.max + 1), issue(pointer, MSG.maxLength(limits.max)), `${id}#maxLength`));
  }
  return cases;
}

/** `format: uuid` at `pointer`: a bare UUID is accepted, a `urn:uuid:` one refused; and null. */
export function uuidCases(fixture: RequestFixture, pointer: string, id: string, nullable: boolean): RequestCase[] {
  return [
    edit(fixture, pointer, SAMPLE_UUID, 'valid', `${id}#format`),
    edit(fixture, pointer, `urn:uuid:${SAMPLE_UUID}`, issue(pointer, MSG.uuid), `${id}#format`),
    nullable ? edit(fixture, pointer, null, 'valid', `${id}#nullable`) : edit(fixture, pointer, null, issue(pointer, MSG.string)),
  ];
}

/** An `enum` at `pointer`: every value accepted, another refused with the list; and null. */
export function enumCases(fixture: RequestFixture, pointer: string, id: string, values: readonly unknown[], nullable: boolean): RequestCase[] {
  const allowed = nullable ? [...values, null] : values;
  const refusal = allowed.length === 1 ? MSG.exactly(allowed[0]) : MSG.oneOf(allowed);
  return [
    ...values.map((value) => edit(fixture, pointer, value, 'valid', `${id}#enum`)),
    edit(fixture, pointer, 'nope', issue(pointer, refusal), `${id}#enum`),
    nullable ? edit(fixture, pointer, null, 'valid', `${id}#nullable`, `${id}#enum`) : edit(fixture, pointer, null, issue(pointer, refusal)),
  ];
}

/** A free-form object (`additionalProperties: { nullable: true }`) at `pointer`. */
export function freeObjectCases(fixture: RequestFixture, pointer: string, id: string): RequestCase[] {
  return [edit(fixture, pointer, { a: null, b: { c: 1 }, d: [1, 'x'] }, 'valid', `${id}/*#nullable`), edit(fixture, pointer, [], issue(pointer, MSG.object))];
}

/** A plain string at `pointer` (no constraint besides the type). */
export function stringCases(fixture: RequestFixture, pointer: string): RequestCase[] {
  return [edit(fixture, pointer, '', 'valid'), edit(fixture, pointer, 1, issue(pointer, MSG.string))];
}

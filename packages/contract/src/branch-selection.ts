import type { ErrorObject } from 'ajv/dist/2020.js';
import { isPlainObject } from './contract-document.js';
import { describeAllowedValues, describeTypes, joinPointer } from './issue-messages.js';
import type { ValidationIssue } from './validation-issue.js';

/**
 * An Ajv error still to be described, or an issue this module wrote in place of the failed
 * combinator `origin` (kept so that an enclosing combinator can tell which branch it is in).
 */
export type ErrorEntry = { error: ErrorObject } | { issue: ValidationIssue; origin: ErrorObject };

/** The branch of an `anyOf`/`oneOf` that a body was meant to match, or issues to report instead. */
type BranchChoice = { index: number } | { issues: ValidationIssue[] };

/** Keywords whose errors say the body has another shape, not a wrong value in the right place. */
const STRUCTURAL_KEYWORDS: ReadonlySet<string> = new Set(['required', 'additionalProperties', 'type']);

/**
 * Errors left under one branch; `structural` ones (a missing or unknown property, a wrong
 * type, at any depth, or an issue written for a nested combinator) say the body has another
 * shape.
 */
export interface ErrorCount {
  structural: number;
  total: number;
}

/**
 * Keeps, for every failed `anyOf`/`oneOf`, only the errors of the branch the body was meant to
 * match, so a client sees "what is wrong with my task body" rather than why it is not also an
 * agent, a workflow and an eval body. Innermost combinators are resolved first, so that an
 * enclosing one compares its branches by the errors that would really be reported (a context
 * item counts as its own type's errors, not those of all three item types); the errors of a
 * discarded branch go with it, nested ones included.
 *
 * How a branch is chosen (first rule that decides wins), see {@link chooseBranch}:
 * 1. Type: only branches whose `type` admits the value's JSON type are candidates. None: one
 *    issue "must be <types>" (at the root of a discriminated union, also the discriminator
 *    issue below, so a client learns both that a body is an object and that it needs `kind`).
 * 2. Discriminator: when every candidate is an object schema that requires the same property
 *    with a single-value `enum` and the values differ (`kind` of the run variants and of
 *    `owner`, `type` of context items), the branch named by the value. Missing or unknown: one
 *    issue at that property listing the allowed values, and nothing else.
 * 3. Signature: property paths (`p` or `p/q`, one level deep) present in the value and declared
 *    by exactly one candidate point at that candidate (`implementation_kind`/`worker_key` ->
 *    RuntimeAgentRequest, `input/agent_id` -> ProjectAgentStreamAgentRequest,
 *    `input/model` -> HostedDefaultChatAgentRequest). Several pointed at: they stay candidates.
 * 4. Closest: the candidate whose shape fits best (fewest missing or unknown properties and
 *    type errors, at any depth), then the one with the fewest errors overall; a remaining tie
 *    goes to the first in document order. A hosted request with an empty tool name (two
 *    errors: length and pattern) thus stays hosted rather than becoming a runtime request with
 *    `implementation_kind` missing and `input` unknown (also two errors, both structural).
 * When the chosen branch has errors, the combinator's own "must match a schema" error is
 * dropped; when it has none (a `oneOf` matched twice) that error is the one kept.
 */
export function selectBranchErrors(errors: readonly ErrorObject[]): ErrorEntry[] {
  let entries: ErrorEntry[] = errors.map((error) => ({ error }));
  const combinators = errors
    .filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf')
    .sort((a, b) => depthOf(b.schemaPath) - depthOf(a.schemaPath));

  for (const combinator of combinators) {
    if (!entries.some((entry) => 'error' in entry && entry.error === combinator)) continue;
    const branches = Array.isArray(combinator.schema) ? (combinator.schema as unknown[]) : [];
    const branchOf = branchLocator(combinator);
    const counts = branches.map((_, index): ErrorCount => {
      const own = entries.filter((entry) => branchOf(entry) === index);
      const structural = own.filter((entry) => !('error' in entry) || STRUCTURAL_KEYWORDS.has(entry.error.keyword));
      return { structural: structural.length, total: own.length };
    });
    const choice = chooseBranch(branches, combinator.data, combinator.instancePath, counts);

    entries = entries.flatMap((entry): ErrorEntry[] => {
      if ('error' in entry && entry.error === combinator) {
        if ('issues' in choice) return choice.issues.map((issue) => ({ issue, origin: combinator }));
        return (counts[choice.index]?.total ?? 0) > 0 ? [] : [entry];
      }
      const branch = branchOf(entry);
      if (branch === undefined) return [entry];
      return 'index' in choice && branch === choice.index ? [entry] : [];
    });
  }
  return entries;
}

/**
 * Picks the branch of an `anyOf`/`oneOf` meant by `data` (rules in {@link selectBranchErrors}).
 *
 * @param branches the combinator's subschemas (already rewritten to JSON Schema)
 * @param data the value at `path`
 * @param path JSON pointer of `data` in the body
 * @param errorCounts errors reported under each branch
 */
export function chooseBranch(branches: readonly unknown[], data: unknown, path: string, errorCounts: readonly ErrorCount[]): BranchChoice {
  const schemas = branches.map((branch) => (isPlainObject(branch) ? branch : {}));
  const dataType = jsonTypeOf(data);
  let candidates = schemas.flatMap((schema, index) => (admitsType(schema, dataType) ? [index] : []));

  if (candidates.length === 0) {
    const expected = [...new Set(schemas.flatMap(typesOf))];
    const issues: ValidationIssue[] = [{ path, message: describeTypes(expected) }];
    const discriminator = findDiscriminator(schemas);
    if (discriminator && path === '') {
      issues.push(discriminatorIssue(path, discriminator, undefined));
    }
    return { issues };
  }
  if (candidates.length === 1 || !isPlainObject(data)) {
    return { index: fewestErrors(candidates, errorCounts) };
  }

  const discriminator = findDiscriminator(candidates.map((index) => schemas[index] ?? {}));
  if (discriminator) {
    const value = data[discriminator.property];
    const position = discriminator.values.findIndex((allowed) => allowed === value);
    const index = candidates[position];
    if (index === undefined) return { issues: [discriminatorIssue(path, discriminator, value)] };
    return { index };
  }

  const declared = candidates.map((index) => declaredPaths(schemas[index] ?? {}));
  const present = presentPaths(data);
  const signed = candidates.filter((_, position) =>
    present.some((key) => declared[position]?.has(key) && declared.every((other, otherPosition) => otherPosition === position || !other.has(key))),
  );
  if (signed.length > 0) candidates = signed;
  return { index: fewestErrors(candidates, errorCounts) };
}

interface Discriminator {
  property: string;
  values: unknown[];
}

/** A property every schema requires with a single-value `enum` (or `const`), values distinct. */
function findDiscriminator(schemas: readonly Record<string, unknown>[]): Discriminator | undefined {
  const first = schemas[0];
  if (!first || schemas.length < 2 || !isPlainObject(first.properties)) return undefined;
  for (const property of Object.keys(first.properties)) {
    const values = schemas.map((schema) => singleValueOf(schema, property));
    if (values.some((value) => value === undefined)) continue;
    if (new Set(values.map((value) => JSON.stringify(value))).size === values.length) {
      return { property, values: values.map((value) => value?.[0]) };
    }
  }
  return undefined;
}

/** `[value]` when `schema` is an object schema requiring `property` with one allowed value. */
function singleValueOf(schema: Record<string, unknown>, property: string): [unknown] | undefined {
  if (!typesOf(schema).includes('object')) return undefined;
  if (!Array.isArray(schema.required) || !schema.required.includes(property)) return undefined;
  const propertySchema = isPlainObject(schema.properties) ? schema.properties[property] : undefined;
  if (!isPlainObject(propertySchema)) return undefined;
  if ('const' in propertySchema) return [propertySchema.const];
  const values = propertySchema.enum;
  return Array.isArray(values) && values.length === 1 ? [values[0]] : undefined;
}

function discriminatorIssue(path: string, discriminator: Discriminator, value: unknown): ValidationIssue {
  const allowed = describeAllowedValues(discriminator.values);
  return {
    path: joinPointer(path, discriminator.property),
    message: value === undefined ? `is required and must be one of: ${allowed}` : `must be one of: ${allowed}`,
  };
}

/** Property paths declared by an object schema: `p` and, for object-valued `p`, `p/q`. */
function declaredPaths(schema: Record<string, unknown>): Set<string> {
  const paths = new Set<string>();
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  for (const [name, child] of Object.entries(properties)) {
    paths.add(name);
    if (isPlainObject(child) && isPlainObject(child.properties)) {
      for (const nested of Object.keys(child.properties)) paths.add(`${name}/${nested}`);
    }
  }
  return paths;
}

/** Property paths present in a value, to the same depth as {@link declaredPaths}. */
function presentPaths(data: Record<string, unknown>): string[] {
  return Object.entries(data).flatMap(([name, value]) => {
    if (value === undefined) return [];
    const nested = isPlainObject(value)
      ? Object.keys(value)
          .filter((key) => value[key] !== undefined)
          .map((key) => `${name}/${key}`)
      : [];
    return [name, ...nested];
  });
}

function fewestErrors(candidates: readonly number[], errorCounts: readonly ErrorCount[]): number {
  const none: ErrorCount = { structural: 0, total: 0 };
  let best = candidates[0] ?? 0;
  for (const index of candidates) {
    const count = errorCounts[index] ?? none;
    const bestCount = errorCounts[best] ?? none;
    if (count.structural < bestCount.structural || (count.structural === bestCount.structural && count.total < bestCount.total)) {
      best = index;
    }
  }
  return best;
}

/** Returns the branch index an entry belongs to under `combinator`, if any. */
function branchLocator(combinator: ErrorObject): (entry: ErrorEntry) => number | undefined {
  const prefix = `${combinator.schemaPath}/`;
  const base = combinator.instancePath;
  return (entry) => {
    const error = 'error' in entry ? entry.error : entry.origin;
    if (error === combinator || !error.schemaPath.startsWith(prefix)) return undefined;
    if (base !== '' && error.instancePath !== base && !error.instancePath.startsWith(`${base}/`)) {
      return undefined;
    }
    const index = Number(error.schemaPath.slice(prefix.length).split('/', 1)[0]);
    return Number.isInteger(index) ? index : undefined;
  };
}

function depthOf(schemaPath: string): number {
  return schemaPath.split('/').length;
}

/** JSON Schema type names of a value (`integer` for whole numbers). */
function jsonTypeOf(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  if (typeof data === 'number') return Number.isInteger(data) ? 'integer' : 'number';
  return typeof data;
}

/** The `type` keyword of a schema as a list ([] = any type). */
function typesOf(schema: Record<string, unknown>): string[] {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Whether a value of `dataType` may be meant for `schema`. Numbers count for both `number`
 * and `integer` so that 1.5 given where an integer branch exists reports "must be an integer".
 */
function admitsType(schema: Record<string, unknown>, dataType: string): boolean {
  const types = typesOf(schema);
  if (types.length === 0) return true;
  if (dataType === 'integer' || dataType === 'number') {
    return types.includes('integer') || types.includes('number');
  }
  return types.includes(dataType);
}

/*
 * Lists every constraint of an OpenAPI schema as an id, for the coverage test. Ids read
 * `<location>#<constraint>`: the location walks titles of `oneOf`/`anyOf` branches (or their
 * index when untitled), property names, `[]` for array items and `*` for
 * `additionalProperties` schemas; the constraint is a keyword (`enum`, `pattern`, `format`,
 * `minLength`, `maxLength`, `maxItems`, `minimum`, `exclusiveMinimum`, `nullable`, `default`,
 * `additionalProperties` when false), `required:<name>` per required property, or `branch`
 * for each `oneOf`/`anyOf` branch. `type` is left out: nearly every schema has one.
 *
 * Example: `agent/request/RuntimeAgentRequest/implementation_kind#pattern`.
 */

const KEYWORDS = ['enum', 'pattern', 'format', 'minLength', 'maxLength', 'maxItems', 'minItems', 'maximum', 'default'] as const;

/** Every constraint id of `schema` (the raw OpenAPI schema, as parsed from the document). */
export function listConstraintIds(schema: unknown): string[] {
  const ids: string[] = [];
  walk(schema, '', ids);
  return ids;
}

function walk(schema: unknown, location: string, ids: string[]): void {
  if (!isObject(schema)) return;
  const at = (constraint: string) => ids.push(`${location}#${constraint}`);
  for (const keyword of KEYWORDS) if (keyword in schema) at(keyword);
  if (schema.nullable === true) at('nullable');
  if (schema.exclusiveMinimum === true) at('exclusiveMinimum');
  else if ('minimum' in schema) at('minimum');
  if (schema.additionalProperties === false) at('additionalProperties');
  if (Array.isArray(schema.required)) for (const name of schema.required) at(`required:${String(name)}`);
  if (isObject(schema.properties)) {
    for (const [name, child] of Object.entries(schema.properties)) walk(child, join(location, name), ids);
  }
  if (isObject(schema.additionalProperties)) walk(schema.additionalProperties, join(location, '*'), ids);
  if (isObject(schema.items)) walk(schema.items, join(location, '[]'), ids);
  for (const combinator of ['oneOf', 'anyOf'] as const) {
    const branches = schema[combinator];
    if (!Array.isArray(branches)) continue;
    branches.forEach((branch, index) => {
      const title = isObject(branch) && typeof branch.title === 'string' ? branch.title : String(index);
      const branchLocation = join(location, title);
      ids.push(`${branchLocation}#branch`);
      walk(branch, branchLocation, ids);
    });
  }
}

function join(location: string, segment: string): string {
  return location === '' ? segment : `${location}/${segment}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { isPlainObject } from './contract-document.js';
import { ContractDocumentError } from './errors.js';

/**
 * A JSON Schema (2020-12) object as produced by {@link toJsonSchema}.
 */
export type JsonSchemaObject = Record<string, unknown>;

/*
 * Why a transformation and not Ajv keywords.
 *
 * The document says `openapi: 3.1.0` (JSON Schema 2020-12) but is written in OpenAPI 3.0
 * idioms that 2020-12 gives no (or another) meaning:
 *   - `nullable: true`, 68 times, often without `type` (`metadata: { nullable: true }`,
 *     `items: { nullable: true }`, `additionalProperties: { nullable: true }`) and on enums
 *     (`runtime_target_kind`). Ajv's built-in `nullable` refuses a schema without `type`
 *     and does not add `null` to `enum`.
 *   - `exclusiveMinimum: true` beside `minimum: 0` (3 times), a boolean that 2020-12 refuses.
 * Both are built-in Ajv keywords, so custom keywords would mean removing Ajv's own
 * definitions. Rewriting a copy of each schema into plain 2020-12 instead keeps Ajv in full
 * strict mode (every unknown keyword, union type or `required` without `properties` is
 * still an error), keeps Ajv's own well-tested keyword code and error objects, and gives a
 * schema that can be inspected and unit-tested on its own. The parsed document itself is
 * never touched: this function builds new objects and copies literal values.
 *
 * Rules:
 *   nullable: true   with a combinator ($ref/anyOf/oneOf/allOf/not/const, which could refuse
 *                    null whatever `type` says) -> anyOf: [{ type: 'null' }, <rest>];
 *                    otherwise type T -> type [T, 'null'] and enum E -> enum [...E, null]
 *                    (no `type`: nothing to add, such a schema already accepts null).
 *                    The keyword is removed.
 *   nullable: false  removed (nothing to add).
 *   exclusiveMinimum: true  + minimum: m -> exclusiveMinimum: m (minimum removed);
 *   exclusiveMinimum: false -> removed; the same for exclusiveMaximum / maximum.
 */

/** Keywords whose value is one subschema (or, for `items`, possibly a list of them). */
const SINGLE_SCHEMA_KEYWORDS = [
  'additionalProperties',
  'items',
  'additionalItems',
  'contains',
  'not',
  'propertyNames',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
] as const;
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LIST_KEYWORDS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;
/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions'] as const;
/** Keywords under which `null` cannot be added through `type` alone. */
const COMBINATOR_KEYWORDS = ['$ref', 'anyOf', 'oneOf', 'allOf', 'not', 'const'] as const;

/**
 * Rewrites an OpenAPI 3.0/3.1 schema object into plain JSON Schema 2020-12 that Ajv compiles
 * in strict mode (see the rules above). Pure: the input is not modified and shares nothing
 * with the output.
 *
 * @param schema the OpenAPI schema object
 * @param pointer JSON pointer of `schema` in its document, for error messages
 * @throws ContractDocumentError on a boolean `exclusiveMinimum`/`exclusiveMaximum` without its
 *   `minimum`/`maximum`, or a `nullable` that is not a boolean
 */
export function toJsonSchema(schema: unknown, pointer = ''): JsonSchemaObject | boolean {
  if (typeof schema === 'boolean') return schema;
  if (!isPlainObject(schema)) throw new ContractDocumentError('expected a schema', pointer);
  const result: JsonSchemaObject = {};
  for (const [keyword, value] of Object.entries(schema)) {
    result[keyword] = convertKeywordValue(keyword, value, `${pointer}/${escapeToken(keyword)}`);
  }
  convertExclusiveBound(result, 'exclusiveMinimum', 'minimum', pointer);
  convertExclusiveBound(result, 'exclusiveMaximum', 'maximum', pointer);
  return convertNullable(result, pointer);
}

function convertKeywordValue(keyword: string, value: unknown, pointer: string): unknown {
  if ((SINGLE_SCHEMA_KEYWORDS as readonly string[]).includes(keyword)) {
    return Array.isArray(value) ? value.map((item, index) => toJsonSchema(item, `${pointer}/${index}`)) : toJsonSchema(value, pointer);
  }
  if ((SCHEMA_LIST_KEYWORDS as readonly string[]).includes(keyword) && Array.isArray(value)) {
    return value.map((item, index) => toJsonSchema(item, `${pointer}/${index}`));
  }
  if ((SCHEMA_MAP_KEYWORDS as readonly string[]).includes(keyword) && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([name, child]) => [name, toJsonSchema(child, `${pointer}/${escapeToken(name)}`)]));
  }
  // Literal values (enum, default, example, description...) are data, never schemas.
  return structuredClone(value);
}

function convertExclusiveBound(
  schema: JsonSchemaObject,
  exclusiveKeyword: 'exclusiveMinimum' | 'exclusiveMaximum',
  boundKeyword: 'minimum' | 'maximum',
  pointer: string,
): void {
  const exclusive = schema[exclusiveKeyword];
  if (typeof exclusive !== 'boolean') return;
  delete schema[exclusiveKeyword];
  if (!exclusive) return;
  const bound = schema[boundKeyword];
  if (typeof bound !== 'number') {
    throw new ContractDocumentError(`"${exclusiveKeyword}: true" needs a numeric "${boundKeyword}"`, `${pointer}/${exclusiveKeyword}`);
  }
  delete schema[boundKeyword];
  schema[exclusiveKeyword] = bound;
}

function convertNullable(schema: JsonSchemaObject, pointer: string): JsonSchemaObject {
  if (!('nullable' in schema)) return schema;
  const { nullable, ...rest } = schema;
  if (typeof nullable !== 'boolean') {
    throw new ContractDocumentError('"nullable" must be a boolean', `${pointer}/nullable`);
  }
  if (!nullable) return rest;
  if (COMBINATOR_KEYWORDS.some((keyword) => keyword in rest)) {
    return { anyOf: [{ type: 'null' }, rest] };
  }
  if (Array.isArray(rest.enum) && !rest.enum.includes(null)) rest.enum = [...rest.enum, null];
  if (typeof rest.type === 'string') {
    rest.type = [rest.type, 'null'];
  } else if (Array.isArray(rest.type) && !rest.type.includes('null')) {
    rest.type = [...rest.type, 'null'];
  }
  return rest;
}

/** A key as one token of a JSON pointer (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

import { isPlainObject } from './contract-document.js';
import { escapeToken, toJsonSchema } from './openapi-schema.js';

/*
 * The served description in OpenAPI 3.1 form.
 *
 * The seed document says `openapi: 3.1.0`, whose Schema Object is JSON Schema 2020-12, but its
 * schemas use OpenAPI 3.0 idioms (`nullable`, boolean `exclusiveMinimum`). The validators read
 * them through `toJsonSchema` (`openapi-schema.ts`); the served description is rewritten by the
 * same function, so it states what the validators enforce, in a form 3.1 tools read.
 * Only Schema Objects are rewritten, found where OpenAPI 3.1 puts them; everything else
 * (descriptions, examples, `properties` named like keywords) is copied as data.
 * Decision: docs/decisions/0015-served-openapi-3-1.md.
 */

type Node = Record<string, unknown>;

/** The HTTP methods an OpenAPI Path Item holds operations under. */
export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function mapValues(value: unknown, convert: (item: unknown, key: string) => unknown): unknown {
  if (!isPlainObject(value)) return structuredClone(value);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, convert(item, key)]));
}

/** A copy of `node` with the keys of `rewrite` replaced by their rewritten values. */
function rewriting(node: unknown, rewrite: Record<string, (value: unknown) => unknown>): unknown {
  if (!isPlainObject(node)) return structuredClone(node);
  const result: Node = {};
  for (const [key, value] of Object.entries(node)) {
    const convert = rewrite[key];
    result[key] = convert ? convert(value) : structuredClone(value);
  }
  return result;
}

function schema(value: unknown, pointer: string): unknown {
  return isPlainObject(value) || typeof value === 'boolean' ? toJsonSchema(value, pointer) : structuredClone(value);
}

function mediaTypes(value: unknown, pointer: string): unknown {
  return mapValues(value, (media, type) => rewriting(media, { schema: (s) => schema(s, `${pointer}/${escapeToken(type)}/schema`) }));
}

function parameterOrHeader(value: unknown, pointer: string): unknown {
  return rewriting(value, {
    schema: (s) => schema(s, `${pointer}/schema`),
    content: (c) => mediaTypes(c, `${pointer}/content`),
  });
}

function parameters(value: unknown, pointer: string): unknown {
  return Array.isArray(value) ? value.map((item, index) => parameterOrHeader(item, `${pointer}/${index}`)) : structuredClone(value);
}

function headers(value: unknown, pointer: string): unknown {
  return mapValues(value, (header, name) => parameterOrHeader(header, `${pointer}/${escapeToken(name)}`));
}

function requestBody(value: unknown, pointer: string): unknown {
  return rewriting(value, { content: (c) => mediaTypes(c, `${pointer}/content`) });
}

function response(value: unknown, pointer: string): unknown {
  return rewriting(value, {
    content: (c) => mediaTypes(c, `${pointer}/content`),
    headers: (h) => headers(h, `${pointer}/headers`),
  });
}

function responses(value: unknown, pointer: string): unknown {
  return mapValues(value, (item, status) => response(item, `${pointer}/${escapeToken(status)}`));
}

function operation(value: unknown, pointer: string): unknown {
  return rewriting(value, {
    parameters: (p) => parameters(p, `${pointer}/parameters`),
    requestBody: (b) => requestBody(b, `${pointer}/requestBody`),
    responses: (r) => responses(r, `${pointer}/responses`),
  });
}

function pathItem(value: unknown, pointer: string): unknown {
  const rewrite: Record<string, (value: unknown) => unknown> = { parameters: (p) => parameters(p, `${pointer}/parameters`) };
  for (const method of OPERATION_METHODS) rewrite[method] = (op) => operation(op, `${pointer}/${method}`);
  return rewriting(value, rewrite);
}

function pathItems(value: unknown, pointer: string): unknown {
  return mapValues(value, (item, path) => pathItem(item, `${pointer}/${escapeToken(path)}`));
}

function components(value: unknown): unknown {
  return rewriting(value, {
    schemas: (s) => mapValues(s, (item, name) => schema(item, `/components/schemas/${escapeToken(name)}`)),
    parameters: (p) => mapValues(p, (item, name) => parameterOrHeader(item, `/components/parameters/${escapeToken(name)}`)),
    headers: (h) => headers(h, '/components/headers'),
    requestBodies: (b) => mapValues(b, (item, name) => requestBody(item, `/components/requestBodies/${escapeToken(name)}`)),
    responses: (r) => responses(r, '/components/responses'),
    pathItems: (p) => pathItems(p, '/components/pathItems'),
  });
}

/**
 * Rewrites every Schema Object of an OpenAPI document from the 3.0 idioms the seed uses into
 * JSON Schema 2020-12, as OpenAPI 3.1 defines it: `nullable: true` adds `"null"` to `type`
 * (and `null` to `enum`, or wraps a schema with `$ref` or a combinator in `anyOf` with
 * `{ type: "null" }`), a boolean `exclusiveMinimum`/`exclusiveMaximum` becomes the numeric
 * bound. The rules are those of the validators' `toJsonSchema`. Pure: the input is not
 * modified and shares nothing with the result.
 *
 * @example
 * toOpenApi31({ openapi: '3.1.0', components: { schemas: { Id: { type: 'string', nullable: true } } } })
 * // → { openapi: '3.1.0', components: { schemas: { Id: { type: ['string', 'null'] } } } }
 * @throws ContractDocumentError when a schema's `nullable` or exclusive bound cannot be read
 */
export function toOpenApi31(document: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return rewriting(document, {
    paths: (p) => pathItems(p, '/paths'),
    webhooks: (w) => pathItems(w, '/webhooks'),
    components,
  }) as Record<string, unknown>;
}

import fc from 'fast-check';
import { REMOVE, REQUEST_FIXTURES, setAtPointer, validRequestBody } from '@runq/contract/testing';

/**
 * Strings that probe for injection: SQL (quotes, comments, stacked statements, casts), header
 * and log injection (CR/LF), NUL and other control characters, path traversal, template and
 * lookup syntax, prototype keys, odd Unicode (lone surrogates, RTL override, emoji), escapes in
 * both encodings, and lengths at and past the limits.
 */
export const INJECTIONS: readonly string[] = [
  "'",
  "''",
  "' OR '1'='1",
  "' OR 1=1 --",
  "'; DROP TABLE runs; --",
  '"; DELETE FROM api_keys; --',
  '1; SELECT pg_sleep(10)',
  "run_' UNION SELECT * FROM api_keys --",
  '$1',
  '::text',
  '\\',
  '%',
  '_',
  "%' OR ''='",
  '\r\nX-Injected: 1',
  '\r\nSet-Cookie: session=stolen',
  '%0d%0aX-Injected:%201',
  '\n{"level":60,"msg":"forged"}',
  '\u0000',
  'a\u0000b',
  '%00',
  '\u0007\u001b[31m',
  '../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '{{7*7}}',
  '${jndi:ldap://127.0.0.1/a}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  '\ud800',
  '\udfff',
  '\u202egnp.exe',
  '😀',
  '%ED%A0%80',
  '%E0%A4%A',
  '%',
  '%%',
  'run_',
  'run_01J9Z7Q4W3',
  'RUN_01JZZZZZZZZZZZZZZZZZZZZZZZ',
  'run_01JZZZZZZZZZZZZZZZZZZZZZZZ',
  'x'.repeat(129),
  'x'.repeat(5_000),
  '-1',
  '0',
  '1e400',
  'NaN',
  'null',
  'true',
  '[]',
  '{}',
];

/** An injection string, a random printable string, or a random string of any code points. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}${b}`) },
);

/** Any JSON value, including deep and wide ones and hostile strings as keys and values. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }) },
  { weight: 1, arbitrary: hostileString },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 120 }).map((depth) => {
      let value: unknown = 'leaf';
      for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { n: value } : [value];
      return value;
    }),
  },
);

/** What a schema node may look like (OpenAPI 3.0 idioms included: `nullable`, boolean `exclusiveMinimum`). */
type Schema = Record<string, any>;

/** Resolves a local `$ref` (`#/a/b~1c`) against `root`. */
function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) return {};
  let node: any = root;
  for (const part of ref.slice(2).split('/')) node = node?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  return (node ?? {}) as Schema;
}

/**
 * An arbitrary of values shaped by a JSON/OpenAPI schema of `root` (the served OpenAPI document):
 * mostly what the schema allows (so requests reach the code behind validation), with the
 * optional properties drawn independently and, now and then, a hostile value in place of a
 * valid one. Depth-limited: deeper than `depth`, anything JSON.
 */
export function fromSchema(schema: Schema, root: Schema, depth = 6): fc.Arbitrary<unknown> {
  if (depth <= 0) return fc.jsonValue({ maxDepth: 1 });
  if (typeof schema['$ref'] === 'string') return fromSchema(resolveRef(root, schema['$ref']), root, depth - 1);
  const valid = shaped(schema, root, depth);
  const withNull = schema['nullable'] === true ? fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: fc.constant(null) }) : valid;
  return fc.oneof({ weight: 12, arbitrary: withNull }, { weight: 1, arbitrary: hostileJson });
}

function shaped(schema: Schema, root: Schema, depth: number): fc.Arbitrary<unknown> {
  const alternatives = (schema['oneOf'] ?? schema['anyOf']) as Schema[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) return fc.oneof(...alternatives.map((item) => fromSchema(item, root, depth - 1)));
  if (Array.isArray(schema['allOf']) && schema['allOf'].length > 0)
    return fromSchema(Object.assign({}, ...schema['allOf'].map((item: Schema) => (item['$ref'] ? resolveRef(root, item['$ref']) : item))), root, depth - 1);
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  const type = Array.isArray(schema['type']) ? schema['type'].find((t: string) => t !== 'null') : schema['type'];
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return fc.integer({ min: Math.max(-1e9, Math.ceil(schema['minimum'] ?? -1e9)), max: Math.min(1e9, Math.floor(schema['maximum'] ?? 1e9)) });
    case 'number':
      return fc.double({ min: schema['minimum'] ?? -1e9, max: schema['maximum'] ?? 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schema['items'] ? fromSchema(schema['items'], root, depth - 1) : fc.jsonValue({ maxDepth: 1 }), {
        minLength: schema['minItems'] ?? 0,
        maxLength: Math.min(schema['maxItems'] ?? 4, (schema['minItems'] ?? 0) + 4),
      });
    case 'object':
    case undefined:
      if (!schema['properties'] && type === undefined) return fc.jsonValue({ maxDepth: 2 });
      return objectFor(schema, root, depth);
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

function stringFor(schema: Schema): fc.Arbitrary<string> {
  if (schema['format'] === 'uuid') return fc.uuid();
  if (schema['format'] === 'date-time')
    return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString());
  const minLength = schema['minLength'] ?? 0;
  const maxLength = Math.min(schema['maxLength'] ?? 40, minLength + 40);
  if (typeof schema['pattern'] === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema['pattern'])).filter((value) => value.length >= minLength && value.length <= (schema['maxLength'] ?? Infinity));
    } catch {
      // A pattern fast-check cannot generate from: plain strings instead.
    }
  }
  return fc.string({ minLength, maxLength });
}

function objectFor(schema: Schema, root: Schema, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
  const required = new Set<string>((schema['required'] ?? []) as string[]);
  const entries = Object.entries(properties).map(([name, sub]) => [name, fromSchema(sub, root, depth - 1)] as const);
  const record: Record<string, fc.Arbitrary<unknown>> = Object.fromEntries(entries);
  const base = fc.record(record, { requiredKeys: Object.keys(properties).filter((name) => required.has(name)) });
  const extras =
    schema['additionalProperties'] === false ? fc.constant({}) : fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
  return fc.tuple(base, extras).map(([value, extra]) => ({ ...extra, ...(value as object) }));
}

/** Every JSON pointer of `value` (objects and arrays), the root excepted. */
function pointersOf(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const pointer = `${prefix}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    return [pointer, ...pointersOf(item, pointer)];
  });
}

/**
 * A valid `POST /runs` body of every variant (from `@runq/contract/testing`) with up to three
 * mutations at existing or new pointers: a hostile JSON value put in, a property removed.
 */
export const mutatedRunBody: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.constantFrom(...REQUEST_FIXTURES),
    fc.array(fc.tuple(fc.nat(), fc.oneof(hostileJson, fc.constant(undefined)), fc.option(fc.string({ maxLength: 10 }), { nil: undefined })), { maxLength: 3 }),
  )
  .map(([fixture, mutations]) => {
    let body: unknown = validRequestBody(fixture);
    for (const [pick, value, newKey] of mutations) {
      const pointers = pointersOf(body);
      if (pointers.length === 0) break;
      const at = pointers[pick % pointers.length]!;
      const pointer = newKey === undefined ? at : `${at.slice(0, at.lastIndexOf('/'))}/${newKey.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      try {
        body = setAtPointer(body as Record<string, unknown>, pointer, value === undefined ? REMOVE : value);
      } catch {
        // A pointer through a value that is no longer a container: keep the body as it is.
      }
    }
    return body;
  });

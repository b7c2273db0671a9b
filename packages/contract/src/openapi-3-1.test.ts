import { toOpenApi31 } from './openapi-3-1.js';

/** A document whose only schema is `schema`, under components. */
function withSchema(schema: unknown): Record<string, unknown> {
  return { openapi: '3.1.0', info: { title: 't', version: '1' }, components: { schemas: { S: schema } } };
}

function schemaOf(document: Record<string, unknown>): unknown {
  return (document['components'] as { schemas: Record<string, unknown> }).schemas['S'];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

describe('toOpenApi31', () => {
  it('when a schema is nullable beside a type, then null joins the type and nullable goes', () => {
    expect(schemaOf(toOpenApi31(withSchema({ type: 'string', format: 'uuid', nullable: true })))).toEqual({ type: ['string', 'null'], format: 'uuid' });
  });

  it('when a nullable schema has an enum, then null joins the enum too', () => {
    expect(schemaOf(toOpenApi31(withSchema({ type: 'string', enum: ['a', 'b'], nullable: true })))).toEqual({
      type: ['string', 'null'],
      enum: ['a', 'b', null],
    });
  });

  it('when nullable has no type beside it, then the keyword goes and the schema still accepts anything', () => {
    expect(schemaOf(toOpenApi31(withSchema({ description: 'free', nullable: true })))).toEqual({ description: 'free' });
  });

  it('when nullable is false, then it goes and null stays refused', () => {
    expect(schemaOf(toOpenApi31(withSchema({ type: 'integer', nullable: false })))).toEqual({ type: 'integer' });
  });

  it('when a boolean exclusiveMinimum sits beside minimum, then the bound becomes numeric', () => {
    expect(schemaOf(toOpenApi31(withSchema({ type: 'number', minimum: 0, exclusiveMinimum: true })))).toEqual({ type: 'number', exclusiveMinimum: 0 });
    expect(schemaOf(toOpenApi31(withSchema({ type: 'number', minimum: 1, exclusiveMinimum: false })))).toEqual({ type: 'number', minimum: 1 });
    expect(schemaOf(toOpenApi31(withSchema({ type: 'number', maximum: 9, exclusiveMaximum: true })))).toEqual({ type: 'number', exclusiveMaximum: 9 });
  });

  it('when a numeric exclusiveMinimum is already 3.1 form, then it is kept', () => {
    expect(schemaOf(toOpenApi31(withSchema({ type: 'number', exclusiveMinimum: 0 })))).toEqual({ type: 'number', exclusiveMinimum: 0 });
  });

  it('when 3.0 idioms sit deep in nested schemas, then every level is rewritten', () => {
    const nested = {
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'string', nullable: true } },
        map: { type: 'object', additionalProperties: { type: 'integer', nullable: true } },
        pick: { oneOf: [{ type: 'object', properties: { at: { type: 'number', minimum: 0, exclusiveMinimum: true } } }, { type: 'string' }] },
        all: { allOf: [{ type: 'object', properties: { n: { type: 'boolean', nullable: true } } }] },
      },
    };
    expect(schemaOf(toOpenApi31(withSchema(nested)))).toEqual({
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: ['string', 'null'] } },
        map: { type: 'object', additionalProperties: { type: ['integer', 'null'] } },
        pick: { oneOf: [{ type: 'object', properties: { at: { type: 'number', exclusiveMinimum: 0 } } }, { type: 'string' }] },
        all: { allOf: [{ type: 'object', properties: { n: { type: ['boolean', 'null'] } } }] },
      },
    });
  });

  it('when a $ref has nullable or other keywords beside it, then the siblings stay and null is admitted through anyOf', () => {
    expect(schemaOf(toOpenApi31(withSchema({ $ref: '#/components/schemas/T', description: 'the T', nullable: true })))).toEqual({
      anyOf: [{ type: 'null' }, { $ref: '#/components/schemas/T', description: 'the T' }],
    });
    expect(schemaOf(toOpenApi31(withSchema({ $ref: '#/components/schemas/T', description: 'the T' })))).toEqual({
      $ref: '#/components/schemas/T',
      description: 'the T',
    });
  });

  it('when a nullable schema is a combinator, then it is wrapped in anyOf with null rather than given a type', () => {
    expect(schemaOf(toOpenApi31(withSchema({ nullable: true, oneOf: [{ type: 'string' }, { type: 'integer' }] })))).toEqual({
      anyOf: [{ type: 'null' }, { oneOf: [{ type: 'string' }, { type: 'integer' }] }],
    });
  });

  it('when schemas sit in parameters, request bodies, responses and headers, then each is rewritten', () => {
    const nullableString = { type: 'string', nullable: true };
    const converted = { type: ['string', 'null'] };
    const document = {
      openapi: '3.1.0',
      paths: {
        '/x/{id}': {
          parameters: [{ name: 'id', in: 'path', required: true, schema: nullableString }],
          post: {
            parameters: [{ name: 'q', in: 'query', schema: nullableString }, { $ref: '#/components/parameters/P' }],
            requestBody: { content: { 'application/json': { schema: nullableString } } },
            responses: {
              '200': { description: 'ok', headers: { 'X-N': { schema: nullableString } }, content: { 'application/json': { schema: nullableString } } },
              '400': { $ref: '#/components/responses/R' },
            },
          },
        },
      },
      components: {
        parameters: { P: { name: 'p', in: 'query', content: { 'application/json': { schema: nullableString } } } },
        responses: { R: { description: 'r', content: { 'application/problem+json': { schema: nullableString } } } },
        requestBodies: { B: { content: { 'application/json': { schema: nullableString } } } },
        headers: { H: { schema: nullableString } },
      },
    };
    expect(toOpenApi31(document)).toEqual({
      openapi: '3.1.0',
      paths: {
        '/x/{id}': {
          parameters: [{ name: 'id', in: 'path', required: true, schema: converted }],
          post: {
            parameters: [{ name: 'q', in: 'query', schema: converted }, { $ref: '#/components/parameters/P' }],
            requestBody: { content: { 'application/json': { schema: converted } } },
            responses: {
              '200': { description: 'ok', headers: { 'X-N': { schema: converted } }, content: { 'application/json': { schema: converted } } },
              '400': { $ref: '#/components/responses/R' },
            },
          },
        },
      },
      components: {
        parameters: { P: { name: 'p', in: 'query', content: { 'application/json': { schema: converted } } } },
        responses: { R: { description: 'r', content: { 'application/problem+json': { schema: converted } } } },
        requestBodies: { B: { content: { 'application/json': { schema: converted } } } },
        headers: { H: { schema: converted } },
      },
    });
  });

  it('when data looks like a keyword (a property named nullable, an example, a description), then it is copied as is', () => {
    const schema = {
      type: 'object',
      properties: { nullable: { type: 'boolean' }, exclusiveMinimum: { type: 'boolean' } },
      example: { nullable: true, exclusiveMinimum: true },
      default: { nullable: true },
    };
    expect(schemaOf(toOpenApi31(withSchema(schema)))).toEqual(schema);
    const info = { title: 't', version: '1', description: 'nullable: true' };
    expect(toOpenApi31({ openapi: '3.1.0', info, 'x-nullable': { nullable: true } })).toEqual({ openapi: '3.1.0', info, 'x-nullable': { nullable: true } });
  });

  it('when a document is converted, then the input is left untouched and shares nothing with the result', () => {
    const input = deepFreeze(withSchema({ type: 'object', properties: { a: { type: 'string', nullable: true } }, example: { a: null } }));
    const output = toOpenApi31(input);
    expect(input).toEqual(withSchema({ type: 'object', properties: { a: { type: 'string', nullable: true } }, example: { a: null } }));
    (schemaOf(output) as { example: Record<string, unknown> }).example['a'] = 'changed';
    expect((schemaOf(input) as { example: Record<string, unknown> }).example['a']).toBeNull();
  });

  it('when nullable is not a boolean, then the error names where it is', () => {
    expect(() => toOpenApi31(withSchema({ properties: { a: { type: 'string', nullable: 'yes' } } }))).toThrow('/components/schemas/S/properties/a/nullable');
  });
});

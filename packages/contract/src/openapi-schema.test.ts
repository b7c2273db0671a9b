import { contractSchemaPointers, loadContractDocument, schemaAt } from './contract-document.js';
import { ContractDocumentError } from './errors.js';
import { toJsonSchema } from './openapi-schema.js';

function find(node: unknown, predicate: (schema: Record<string, unknown>) => boolean, found: unknown[] = []): unknown[] {
  if (Array.isArray(node)) node.forEach((child) => find(child, predicate, found));
  else if (typeof node === 'object' && node !== null) {
    if (predicate(node as Record<string, unknown>)) found.push(node);
    Object.values(node).forEach((child) => find(child, predicate, found));
  }
  return found;
}

describe('toJsonSchema', () => {
  it('when nullable: true sits beside a type, then null joins the type', () => {
    expect(toJsonSchema({ type: 'string', nullable: true, format: 'uuid' })).toEqual({ type: ['string', 'null'], format: 'uuid' });
  });

  it('when nullable: true sits beside an enum, then null joins the enum too', () => {
    expect(toJsonSchema({ type: 'string', nullable: true, enum: ['a', 'b'] })).toEqual({ type: ['string', 'null'], enum: ['a', 'b', null] });
  });

  it('when nullable: true has no type, then the schema is left accepting anything', () => {
    expect(toJsonSchema({ nullable: true })).toEqual({});
    expect(toJsonSchema({ type: 'object', additionalProperties: { nullable: true } })).toEqual({ type: 'object', additionalProperties: {} });
  });

  it('when nullable: true sits beside a combinator, then the schema is wrapped in anyOf with null', () => {
    const branches = [{ type: 'string' }, { type: 'integer' }];
    expect(toJsonSchema({ nullable: true, oneOf: branches })).toEqual({ anyOf: [{ type: 'null' }, { oneOf: branches }] });
  });

  it('when nullable is false, then it is removed and null stays refused', () => {
    expect(toJsonSchema({ type: 'string', nullable: false })).toEqual({ type: 'string' });
  });

  it('when nullable is not a boolean, then a ContractDocumentError names its pointer', () => {
    expect(() => toJsonSchema({ properties: { a: { type: 'string', nullable: 'yes' } } }, '/s')).toThrow('/s/properties/a/nullable');
  });

  it('when exclusiveMinimum is true beside minimum, then it becomes the numeric exclusiveMinimum', () => {
    expect(toJsonSchema({ type: 'integer', minimum: 0, exclusiveMinimum: true })).toEqual({ type: 'integer', exclusiveMinimum: 0 });
    expect(toJsonSchema({ type: 'number', maximum: 9, exclusiveMaximum: true })).toEqual({ type: 'number', exclusiveMaximum: 9 });
  });

  it('when exclusiveMinimum is false, then it is removed and minimum kept', () => {
    expect(toJsonSchema({ type: 'integer', minimum: 0, exclusiveMinimum: false })).toEqual({ type: 'integer', minimum: 0 });
  });

  it('when exclusiveMinimum is true without minimum, then a ContractDocumentError is thrown', () => {
    expect(() => toJsonSchema({ type: 'integer', exclusiveMinimum: true })).toThrow(ContractDocumentError);
  });

  it('when a value is data (enum, default, example, a property named nullable), then it is copied unchanged', () => {
    const schema = {
      type: 'object',
      properties: { nullable: { type: 'boolean' } },
      default: { nullable: true, minimum: 0, exclusiveMinimum: true },
      example: { nullable: true },
    };
    expect(toJsonSchema(schema)).toEqual(schema);
  });

  it('when the input is frozen, then it is converted without being changed and shares no object with the result', () => {
    const input = Object.freeze({ type: 'array', nullable: true, items: Object.freeze({ nullable: true }), default: Object.freeze([]) });
    const output = toJsonSchema(input) as Record<string, unknown>;
    expect(output).toEqual({ type: ['array', 'null'], items: {}, default: [] });
    expect(output.default).not.toBe(input.default);
  });

  it('when the request and response schemas are converted, then no OpenAPI 3.0 idiom is left', () => {
    const document = loadContractDocument();
    for (const pointer of Object.values(contractSchemaPointers)) {
      const converted = toJsonSchema(schemaAt(document, pointer), pointer);
      expect(find(converted, (schema) => 'nullable' in schema && typeof schema.nullable === 'boolean')).toEqual([]);
      expect(find(converted, (schema) => typeof schema.exclusiveMinimum === 'boolean')).toEqual([]);
    }
  });
});

import { Ajv2020 } from 'ajv/dist/2020.js';
import { contractSchemaPointers, loadContractDocument, schemaAt } from './contract-document.js';
import { UUID_PATTERN } from '@runq/runs';
import { createContractAjv } from './contract-ajv.js';

const ajv = createContractAjv();
const uuid = ajv.compile({ type: 'string', format: 'uuid' });

describe('contract Ajv instance', () => {
  it.each([
    '0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a11',
    'A3F1C2D4-5B6E-4F70-8192-A3B4C5D6E7F8',
    'a3F1c2D4-5b6E-4f70-8192-A3b4C5d6E7f8',
    '00000000-0000-0000-0000-000000000000',
  ])('when a bare UUID %s is checked, then format uuid accepts it', (value) => {
    expect(uuid(value)).toBe(true);
  });

  it.each([
    'urn:uuid:0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a11',
    'URN:UUID:0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a11',
    '{0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a11}',
    '0b6f2b7e7a4a4c8e9b1e4f0d6f3c2a11',
    '0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a1',
    '0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a111',
    '0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a1g',
    ' 0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a11',
    '0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a11\n',
    '',
  ])('when %j is checked, then format uuid refuses it', (value) => {
    expect(uuid(value)).toBe(false);
    expect(UUID_PATTERN.test(value)).toBe(false);
  });

  it('when a schema carries OpenAPI annotations (example, externalDocs, title, description), then it compiles', () => {
    expect(() => ajv.compile({ type: 'string', title: 't', description: 'd', example: 'x', externalDocs: { url: 'u' } })).not.toThrow();
  });

  it('when a schema has a misspelt keyword, then strict mode still refuses it', () => {
    expect(() => ajv.compile({ type: 'string', maxLenght: 3 })).toThrow(/unknown keyword/);
  });

  it('when a schema names an unknown format, then strict mode refuses it', () => {
    expect(() => ajv.compile({ type: 'string', format: 'uuid4' })).toThrow(/unknown format/);
  });

  it('when a schema requires a property it does not declare, then strict mode refuses it', () => {
    expect(() => ajv.compile({ type: 'object', properties: {}, required: ['a'] })).toThrow(/required/);
  });

  it('when plain Ajv 2020 is given the raw request schema, then it refuses it (why the schema is rewritten)', () => {
    const raw = schemaAt(loadContractDocument(), contractSchemaPointers.createRunRequest);
    expect(() => new Ajv2020({ strict: false }).compile(structuredClone(raw))).toThrow(/exclusiveMinimum/);
  });
});

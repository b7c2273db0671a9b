import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { contractDocumentPath, loadContractDocument, parseContractDocument } from './contract-document.js';
import { ContractDocumentError } from './errors.js';
import { validRequestBody, REQUEST_FIXTURES } from './testing.js';
import { validateCreateRunRequest, validateCreateRunResponse } from './validators.js';

const FENCE = Buffer.from('````');

/** The bytes between the line opening the ````yaml fence and the line closing it. */
function fencedYamlOf(seed: Buffer): Buffer {
  const open = seed.indexOf(Buffer.from('\n````yaml'));
  const start = seed.indexOf('\n', open + 1) + 1;
  const close = seed.indexOf(Buffer.concat([Buffer.from('\n'), FENCE]), start);
  return seed.subarray(start, close + 1);
}

function collectFormats(node: unknown, formats: Set<unknown>): Set<unknown> {
  if (Array.isArray(node)) node.forEach((child) => collectFormats(child, formats));
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'format') formats.add(value);
      collectFormats(value, formats);
    }
  }
  return formats;
}

describe('contract document', () => {
  it('when the path is resolved, then it is absolute and names openapi/runs.openapi.yaml beside src/', () => {
    expect(isAbsolute(contractDocumentPath)).toBe(true);
    expect(contractDocumentPath.endsWith(join('contract', 'openapi', 'runs.openapi.yaml'))).toBe(true);
    expect(existsSync(join(dirname(contractDocumentPath), '..', 'src', 'contract-document.ts'))).toBe(true);
  });

  it('when the YAML file is compared with the fenced block of seed.md, then they are byte for byte equal', () => {
    const seed = readFileSync(join(dirname(contractDocumentPath), 'seed.md'));
    const yaml = readFileSync(contractDocumentPath);
    const fenced = fencedYamlOf(seed);
    expect(fenced.length).toBeGreaterThan(40_000);
    expect(fenced.subarray(0, 14).toString()).toBe('openapi: 3.1.0');
    expect(Buffer.compare(yaml, fenced)).toBe(0);
  });

  it('when the document is loaded twice, then the same parsed object is returned', () => {
    expect(loadContractDocument()).toBe(loadContractDocument());
    expect(loadContractDocument().openapi).toBe('3.1.0');
  });

  it('when a caller tries to change the loaded document, then it is refused at every depth', () => {
    const document = loadContractDocument() as Record<string, any>;
    expect(() => {
      document.openapi = '3.0.0';
    }).toThrow(TypeError);
    const requestSchema = document.paths['/runs'].post.requestBody.content['application/json'].schema;
    expect(() => {
      requestSchema.oneOf.pop();
    }).toThrow(TypeError);
    expect(() => {
      requestSchema.oneOf[2].properties.request.required.push('name');
    }).toThrow(TypeError);
    expect(loadContractDocument().openapi).toBe('3.1.0');
  });

  it('when the validators have been compiled and used, then the document still deep-equals a fresh parse', () => {
    for (const fixture of REQUEST_FIXTURES) validateCreateRunRequest(validRequestBody(fixture));
    validateCreateRunRequest({ kind: 'agent', request: { input: { context: [{}] } } });
    validateCreateRunResponse({});
    expect(loadContractDocument()).toEqual(parse(readFileSync(contractDocumentPath, 'utf8')));
  });

  it('when the formats of the document are listed, then uuid is the only one (the one given a custom check)', () => {
    expect([...collectFormats(loadContractDocument().paths, new Set())]).toEqual(['uuid']);
  });

  it('when the text is not YAML, then parsing throws a ContractDocumentError', () => {
    expect(() => parseContractDocument('a: [1,')).toThrow(ContractDocumentError);
  });

  it('when the YAML repeats a key, then parsing throws a ContractDocumentError', () => {
    expect(() => parseContractDocument('a: 1\na: 2\n')).toThrow(ContractDocumentError);
  });

  it('when the YAML root is not a mapping, then parsing throws a ContractDocumentError', () => {
    expect(() => parseContractDocument('- 1\n- 2\n')).toThrow(/not a mapping/);
  });
});

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ContractDocumentError } from './errors.js';

/**
 * Absolute path of `runs.openapi.yaml`, the OpenAPI document of `POST /runs` copied byte for
 * byte from the seed (`openapi/seed.md`). Resolved from this module's URL: `openapi/` sits
 * beside both `src/` (Jest runs the sources) and `dist/` (after `tsc -b`), so `../openapi`
 * is right in both.
 */
export const contractDocumentPath: string = fileURLToPath(new URL('../openapi/runs.openapi.yaml', import.meta.url));

let cachedDocument: Readonly<Record<string, unknown>> | undefined;

/**
 * The parsed OpenAPI document, read and parsed once per process. The result is deep-frozen,
 * so a caller (for example the route serving `/openapi.json`) cannot corrupt the copy that the
 * validators were compiled from; clone it (`structuredClone`) to build a modified document.
 *
 * @throws ContractDocumentError when the file is missing or is not a YAML mapping
 */
export function loadContractDocument(): Readonly<Record<string, unknown>> {
  cachedDocument ??= deepFreeze(parseContractDocument(readContractText()));
  return cachedDocument;
}

/** Reads the raw YAML text of the contract document. */
function readContractText(): string {
  try {
    return readFileSync(contractDocumentPath, 'utf8');
  } catch (error) {
    throw new ContractDocumentError(`cannot read ${contractDocumentPath}`, '', { cause: error });
  }
}

/**
 * Parses the YAML text of an OpenAPI document (YAML 1.2 core schema, duplicate keys refused).
 *
 * @throws ContractDocumentError when the text is not YAML or its root is not a mapping
 */
export function parseContractDocument(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parse(text, { uniqueKeys: true });
  } catch (error) {
    throw new ContractDocumentError('the contract document is not valid YAML', '', { cause: error });
  }
  if (!isPlainObject(parsed)) {
    throw new ContractDocumentError('the contract document is not a mapping', '');
  }
  return parsed;
}

/** JSON pointers (RFC 6901) of the two schemas the validators are compiled from. */
export const contractSchemaPointers = {
  createRunRequest: '/paths/~1runs/post/requestBody/content/application~1json/schema',
  createRunResponse: '/paths/~1runs/post/responses/202/content/application~1json/schema',
} as const;

/**
 * Returns the value at a JSON pointer inside the document.
 *
 * @throws ContractDocumentError when the pointer leads nowhere or not to a mapping
 */
export function schemaAt(document: Readonly<Record<string, unknown>>, pointer: string): Readonly<Record<string, unknown>> {
  let node: unknown = document;
  for (const token of pointer.split('/').slice(1)) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) node = /^(0|[1-9]\d*)$/.test(key) ? node[Number(key)] : undefined;
    else node = isPlainObject(node) ? node[key] : undefined;
  }
  if (!isPlainObject(node)) {
    throw new ContractDocumentError('expected a schema object', pointer);
  }
  return node;
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

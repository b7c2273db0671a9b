import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isPlainObject, loadContractDocument, parseContractDocument, schemaAt } from './contract-document.js';
import { ContractDocumentError } from './errors.js';
import { OPERATION_METHODS, toOpenApi31 } from './openapi-3-1.js';

/** Absolute path of `runq.openapi.yaml`, the description of runq's own routes. */
export const runqDocumentPath: string = fileURLToPath(new URL('../openapi/runq.openapi.yaml', import.meta.url));

let runqDocument: Record<string, unknown> | undefined;

/** The parsed description of runq's own routes (read once). */
export function loadRunqDocument(): Readonly<Record<string, unknown>> {
  if (!runqDocument) {
    let text: string;
    try {
      text = readFileSync(runqDocumentPath, 'utf8');
    } catch (error) {
      throw new ContractDocumentError(`cannot read ${runqDocumentPath}`, '', { cause: error });
    }
    runqDocument = parseContractDocument(text);
  }
  return runqDocument;
}

function mapping(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

/**
 * A path item of the contract with runq's additions: an operation both describe is the
 * contract's, plus what only runq's says (an operation id, error responses); the contract's
 * fields and responses win wherever both say something.
 */
function mergePathItem(runqItem: Record<string, unknown>, contractItem: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...runqItem, ...contractItem };
  for (const method of OPERATION_METHODS) {
    const ours = runqItem[method];
    const theirs = contractItem[method];
    if (!isPlainObject(ours) || !isPlainObject(theirs)) continue;
    merged[method] = { ...ours, ...theirs, responses: { ...mapping(ours['responses']), ...mapping(theirs['responses']) } };
  }
  return merged;
}

/**
 * Moves the schemas that runq's components point at inside the contract's operations (the
 * `Run` envelope lives in the 202 response of `POST /runs`) into `components/schemas`, and
 * points their old place at the component: the same schema, at an address every tool reads as
 * a schema (a generator names it; a `$ref` into a path item's media type it cannot type).
 */
function hoistComponentSchemas(document: Record<string, unknown>): void {
  const schemas = mapping(mapping(document['components'])['schemas']);
  for (const [name, schema] of Object.entries(schemas)) {
    const ref = isPlainObject(schema) && Object.keys(schema).length === 1 ? schema['$ref'] : undefined;
    if (typeof ref !== 'string' || !ref.startsWith('#/paths/')) continue;
    const pointer = ref.slice(1);
    const tokens = pointer.split('/');
    const parent = schemaAt(document, tokens.slice(0, -1).join('/')) as Record<string, unknown>;
    const key = (tokens.at(-1) ?? '').replaceAll('~1', '/').replaceAll('~0', '~');
    schemas[name] = parent[key];
    parent[key] = { $ref: `#/components/schemas/${name}` };
  }
}

let served: string | undefined;

/**
 * The API description served at `/openapi.json`: runq's document, with the contract's
 * `POST /runs` operation included as published (same schemas, same security schemes, plus
 * runq's operation id and error responses), in OpenAPI 3.1 form (`toOpenApi31`: the
 * contract's 3.0 idioms rewritten into what they mean). Built once and returned as JSON text.
 */
export function servedOpenApiJson(): string {
  served ??= JSON.stringify(toOpenApi31(mergedDocument()));
  return served;
}

/**
 * runq's document and the contract's, merged, before the rewriting into OpenAPI 3.1 form: the
 * schemas runq names inside the contract's operations are moved to `components/schemas`.
 */
export function mergedDocument(): Record<string, unknown> {
  const contract = loadContractDocument();
  const runq = loadRunqDocument();
  // Merging builds new path items and the whole is copied below: the loaded documents stay as they are.
  const paths: Record<string, unknown> = { ...mapping(runq['paths']) };
  for (const [path, item] of Object.entries(mapping(contract['paths']))) {
    paths[path] = mergePathItem(mapping(paths[path]), mapping(item));
  }
  const contractComponents = mapping(contract['components']);
  const runqComponents = mapping(runq['components']);
  const merged = structuredClone({
    ...runq,
    paths,
    components: {
      ...runqComponents,
      securitySchemes: { ...mapping(runqComponents['securitySchemes']), ...mapping(contractComponents['securitySchemes']) },
    },
  });
  hoistComponentSchemas(merged);
  return merged;
}

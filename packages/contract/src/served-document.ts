import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isPlainObject, loadContractDocument, parseContractDocument } from './contract-document.js';
import { ContractDocumentError } from './errors.js';

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

let served: string | undefined;

/**
 * The API description served at `/openapi.json`: runq's document, with the contract's
 * `POST /runs` operation included exactly as published (same path item, same schemas, same
 * security schemes). Built once and returned as JSON text.
 */
export function servedOpenApiJson(): string {
  if (served === undefined) {
    const contract = structuredClone(loadContractDocument()) as Record<string, unknown>;
    const runq = structuredClone(loadRunqDocument()) as Record<string, unknown>;
    const paths: Record<string, unknown> = { ...mapping(runq['paths']) };
    for (const [path, item] of Object.entries(mapping(contract['paths']))) {
      paths[path] = { ...mapping(paths[path]), ...mapping(item) };
    }
    const contractComponents = mapping(contract['components']);
    const runqComponents = mapping(runq['components']);
    served = JSON.stringify({
      ...runq,
      paths,
      components: {
        ...runqComponents,
        securitySchemes: { ...mapping(runqComponents['securitySchemes']), ...mapping(contractComponents['securitySchemes']) },
      },
    });
  }
  return served;
}

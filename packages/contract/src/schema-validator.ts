import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { createContractAjv } from './contract-ajv.js';
import { schemaAt } from './contract-document.js';
import { ContractDocumentError } from './errors.js';
import { toJsonSchema } from './openapi-schema.js';
import { sharedAjv } from './shared-ajv.js';
import { toValidationIssues, type ValidationResult } from './validation-issues.js';

/** An OpenAPI document as `schemaAt` reads it. */
type ContractDocument = Parameters<typeof schemaAt>[0];

/** Made on first use: only schemas on a hot path are compiled on it. */
let decidingAjv: Ajv2020 | undefined;

function compileAt<T>(ajv: Ajv2020, document: ContractDocument, pointer: string): ValidateFunction<T> {
  const schema = toJsonSchema(schemaAt(document, pointer), pointer);
  try {
    return ajv.compile<T>(schema);
  } catch (error) {
    throw new ContractDocumentError(`Ajv cannot compile the schema: ${String(error)}`, pointer, { cause: error });
  }
}

/**
 * Compiles the schema at `pointer` of an OpenAPI `document` into a validator returning a
 * {@link ValidationResult}; a schema Ajv refuses is a `ContractDocumentError` naming it, thrown
 * here (at start-up, when called at module load). The issues of a refused body come from the
 * shared reporting instance (every issue, the meant `anyOf`/`oneOf` branch only).
 *
 * With `decide`, the schema is also compiled on a deciding instance (first error only, see
 * `createContractAjv`), which alone answers for valid bodies: for schemas on a hot path, where
 * nearly every body is valid. Both compile the same schema with the same options otherwise, so
 * they cannot disagree on validity.
 *
 * @example const validate = compileSchemaValidator<Body>(document, '/components/schemas/Body', { decide: true });
 */
export function compileSchemaValidator<T>(document: ContractDocument, pointer: string, options: { decide: boolean }): (body: unknown) => ValidationResult<T> {
  const report = compileAt<T>(sharedAjv, document, pointer);
  const decide = options.decide ? compileAt<T>((decidingAjv ??= createContractAjv('decide')), document, pointer) : report;
  return (body) => {
    if (decide(body)) return { ok: true, value: body };
    if (decide !== report && report(body)) throw new Error(`the contract validators disagree on a body (${pointer})`);
    return { ok: false, errors: toValidationIssues(report.errors ?? []) };
  };
}

import type { ValidateFunction } from 'ajv/dist/2020.js';
import { sharedAjv } from './shared-ajv.js';
import { contractSchemaPointers, loadContractDocument, schemaAt } from './contract-document.js';
import type { CreateRunRequest } from './create-run-request.js';
import type { CreateRunResponse } from './create-run-response.js';
import { ContractDocumentError } from './errors.js';
import { toJsonSchema } from './openapi-schema.js';
import { toValidationIssues } from './validation-issues.js';
import type { ValidationResult } from './validation-issues.js';

/*
 * Compiled once, when this module is first imported: a process that cannot compile its
 * contract fails at start-up (ContractDocumentError) rather than on its first request, and no
 * request pays the compile time. One Ajv instance serves both validators.
 */
const ajv = sharedAjv;
const contractDocument = loadContractDocument();

function compileAt<T>(pointer: string): ValidateFunction<T> {
  const schema = toJsonSchema(schemaAt(contractDocument, pointer), pointer);
  try {
    return ajv.compile<T>(schema);
  } catch (error) {
    throw new ContractDocumentError(`Ajv cannot compile the schema: ${String(error)}`, pointer, {
      cause: error,
    });
  }
}

const requestValidator = compileAt<CreateRunRequest>(contractSchemaPointers.createRunRequest);
const responseValidator = compileAt<CreateRunResponse>(contractSchemaPointers.createRunResponse);

function validateWith<T>(validator: ValidateFunction<T>, body: unknown): ValidationResult<T> {
  if (validator(body)) return { ok: true, value: body };
  return { ok: false, errors: toValidationIssues(validator.errors ?? []) };
}

/**
 * Validates a `POST /runs` body against the request schema of the contract document. The body
 * is neither changed nor copied: on success `value` is the same object, typed. On failure the
 * issues name the variant chosen by `kind` only (or one issue at `/kind` when it is missing or
 * unknown), and inside `anyOf`/`oneOf` only the branch the body meant (see
 * `selectBranchErrors`).
 *
 * @example
 * const result = validateCreateRunRequest(ctx.request.body);
 * if (!result.ok) return problem(400, { errors: result.errors });
 * await createRun(result.value);
 */
export function validateCreateRunRequest(body: unknown): ValidationResult<CreateRunRequest> {
  return validateWith(requestValidator, body);
}

/**
 * Validates a 202 body of `POST /runs` (accepted flag and run envelope) against the response
 * schema of the contract document; used by tests and by the API's own response checks.
 *
 * @example
 * const result = validateCreateRunResponse(await response.json());
 * expect(result).toEqual({ ok: true, value: expect.anything() });
 */
export function validateCreateRunResponse(body: unknown): ValidationResult<CreateRunResponse> {
  return validateWith(responseValidator, body);
}

import { contractSchemaPointers, loadContractDocument } from './contract-document.js';
import type { CreateRunRequest } from './create-run-request.js';
import type { CreateRunResponse } from './create-run-response.js';
import { compileSchemaValidator } from './schema-validator.js';
import type { ValidationResult } from './validation-issues.js';

/*
 * Compiled once, when this module is first imported: a process that cannot compile its
 * contract fails at start-up (ContractDocumentError) rather than on its first request, and no
 * request pays the compile time. Request bodies are decided by a validator that stops at the
 * first error; responses are checked by tests, not on the request path, so they have only the
 * reporting one.
 */
const contractDocument = loadContractDocument();
const validateRequest = compileSchemaValidator<CreateRunRequest>(contractDocument, contractSchemaPointers.createRunRequest, { decide: true });
const validateResponse = compileSchemaValidator<CreateRunResponse>(contractDocument, contractSchemaPointers.createRunResponse, { decide: false });

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
  return validateRequest(body);
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
  return validateResponse(body);
}

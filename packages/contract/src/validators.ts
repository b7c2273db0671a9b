import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { createContractAjv } from './contract-ajv.js';
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
 * request pays the compile time. The request schema is compiled twice from the same schema
 * object: on a `decide` instance, which says whether a body is valid and stops at the first
 * error, and on the shared `report` instance, which runs only for a body already known to be
 * invalid and collects every issue (see `createContractAjv` for the cost of each).
 */
const contractDocument = loadContractDocument();
const decideAjv = createContractAjv('decide');

function compileAt<T>(ajv: Ajv2020, pointer: string): ValidateFunction<T> {
  const schema = toJsonSchema(schemaAt(contractDocument, pointer), pointer);
  try {
    return ajv.compile<T>(schema);
  } catch (error) {
    throw new ContractDocumentError(`Ajv cannot compile the schema: ${String(error)}`, pointer, {
      cause: error,
    });
  }
}

/** A schema's two validators: one that decides, one that explains a refusal. */
interface SchemaValidators<T> {
  decide: ValidateFunction<T>;
  report: ValidateFunction<T>;
}

function validatorsAt<T>(pointer: string): SchemaValidators<T> {
  return { decide: compileAt<T>(decideAjv, pointer), report: compileAt<T>(sharedAjv, pointer) };
}

const requestValidators = validatorsAt<CreateRunRequest>(contractSchemaPointers.createRunRequest);
// Responses are checked by tests, not on the request path: one validator does both jobs.
const responseValidator = compileAt<CreateRunResponse>(sharedAjv, contractSchemaPointers.createRunResponse);
const responseValidators: SchemaValidators<CreateRunResponse> = { decide: responseValidator, report: responseValidator };

function validateWith<T>(validators: SchemaValidators<T>, body: unknown): ValidationResult<T> {
  if (validators.decide(body)) return { ok: true, value: body };
  const { report } = validators;
  if (report(body)) throw new Error('the contract validators disagree on a body');
  return { ok: false, errors: toValidationIssues(report.errors ?? []) };
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
  return validateWith(requestValidators, body);
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
  return validateWith(responseValidators, body);
}

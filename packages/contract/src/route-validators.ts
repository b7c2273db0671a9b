import type { ValidateFunction } from 'ajv/dist/2020.js';
import { sharedAjv } from './shared-ajv.js';
import { schemaAt } from './contract-document.js';
import { ContractDocumentError } from './errors.js';
import { toJsonSchema } from './openapi-schema.js';
import { loadRunqDocument } from './served-document.js';
import { toValidationIssues, type ValidationResult } from './validation-issues.js';

/** Body of `POST /runs/{run_id}/resume`. */
export interface ResumeRunBody {
  data: unknown;
}
/** Body of `POST /runs/{run_id}/complete`. */
export interface CompleteRunBody {
  output?: unknown;
  logs?: string;
  artifacts?: unknown[];
  exit_code?: number;
}
/** Body of `POST /runs/{run_id}/fail`. */
export interface FailRunBody {
  error: { message: string; code?: string };
}
/** Body of `POST /runs/{run_id}/wait`. */
export interface WaitRunBody {
  reason: 'tool' | 'approval' | 'event' | 'input';
  timeout_seconds?: number;
}

/** The request bodies of runq's own routes, by schema name in `runq.openapi.yaml`. */
export interface RouteBodies {
  ResumeRunRequest: ResumeRunBody;
  CompleteRunRequest: CompleteRunBody;
  FailRunRequest: FailRunBody;
  WaitRunRequest: WaitRunBody;
}

const ajv = sharedAjv;
const validators = new Map<string, ValidateFunction>();

function validatorFor(name: keyof RouteBodies): ValidateFunction {
  let validator = validators.get(name);
  if (!validator) {
    const pointer = `/components/schemas/${name}`;
    try {
      validator = ajv.compile(toJsonSchema(schemaAt(loadRunqDocument(), pointer), pointer));
    } catch (error) {
      throw new ContractDocumentError(`Ajv cannot compile the schema: ${String(error)}`, pointer, { cause: error });
    }
    validators.set(name, validator);
  }
  return validator;
}

// Fail at start-up, not on the first request, when a schema does not compile.
for (const name of ['ResumeRunRequest', 'CompleteRunRequest', 'FailRunRequest', 'WaitRunRequest'] as const) validatorFor(name);

/**
 * Validates the body of one of runq's own routes against its schema in `runq.openapi.yaml`,
 * with the same issue format as `POST /runs`.
 *
 * @example const result = validateRouteBody('ResumeRunRequest', body);
 */
export function validateRouteBody<N extends keyof RouteBodies>(name: N, body: unknown): ValidationResult<RouteBodies[N]> {
  const validator = validatorFor(name);
  if (validator(body)) return { ok: true, value: body as RouteBodies[N] };
  return { ok: false, errors: toValidationIssues(validator.errors ?? []) };
}

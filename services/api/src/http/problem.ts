import type { DomainErrorCode } from '@runq/runs';

/** Every problem code the API can answer with. */
export type ProblemCode =
  | DomainErrorCode
  | 'validation_error'
  | 'invalid_json'
  | 'invalid_parameter'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'malformed_request'
  | 'request_timeout'
  | 'headers_too_large'
  | 'rate_limited'
  | 'dependency_unavailable'
  | 'signature_invalid'
  | 'unprocessable_run'
  | 'internal_error';

interface ProblemType {
  status: number;
  title: string;
}

/**
 * Problem code -> HTTP status and title. Exhaustive by type: a new domain error code does not
 * compile until it is mapped here.
 */
export const PROBLEM_TYPES: Readonly<Record<ProblemCode, ProblemType>> = {
  validation_error: { status: 400, title: 'Request body is invalid' },
  invalid_json: { status: 400, title: 'Request body is not valid JSON' },
  invalid_parameter: { status: 400, title: 'Request parameters are invalid' },
  invalid_request: { status: 400, title: 'Request is inconsistent' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  run_not_found: { status: 404, title: 'Run not found' },
  parent_run_not_found: { status: 404, title: 'Parent run not found' },
  project_not_found: { status: 404, title: 'Project not found' },
  conversation_not_found: { status: 404, title: 'Conversation not found' },
  policy_not_found: { status: 404, title: 'Policy not found' },
  schedule_not_found: { status: 404, title: 'Schedule not found' },
  batch_not_found: { status: 404, title: 'Batch not found' },
  bulk_action_not_found: { status: 404, title: 'Bulk action not found' },
  schedule_key_taken: { status: 409, title: 'Schedule key is taken' },
  schedule_overlap: { status: 409, title: 'Schedule has an unfinished run' },
  webhook_not_found: { status: 404, title: 'Webhook endpoint not found' },
  webhook_key_taken: { status: 409, title: 'Webhook endpoint key is taken' },
  webhook_paused: { status: 409, title: 'Webhook endpoint is paused' },
  signature_invalid: { status: 401, title: 'Webhook signature is invalid' },
  unprocessable_run: { status: 422, title: 'The delivery does not make a valid run' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  invalid_transition: { status: 409, title: 'Run is not in a state that allows this' },
  idempotency_conflict: { status: 409, title: 'public_id was already used with a different request' },
  payload_too_large: { status: 413, title: 'Request body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  malformed_request: { status: 400, title: 'Request is not valid HTTP' },
  request_timeout: { status: 408, title: 'Request took too long to arrive' },
  headers_too_large: { status: 431, title: 'Request headers are too large' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal error' },
  dependency_unavailable: { status: 503, title: 'A dependency is unavailable' },
};

/** The `type` URI of a problem code. */
export function problemTypeUri(code: ProblemCode): string {
  return `urn:runq:problem:${code.replaceAll('_', '-')}`;
}

/** One entry of a validation problem's `errors` list. */
export interface ProblemFieldError {
  path: string;
  message: string;
}

/**
 * An error that becomes an RFC 9457 problem response. Thrown anywhere in a request, it is
 * written by the problem middleware with its code's status and title.
 */
export class HttpProblem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extras: { errors?: ProblemFieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
  }

  get status(): number {
    return PROBLEM_TYPES[this.code].status;
  }
}

/** An RFC 9457 problem document as runq writes it. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path; absent when the request could not be parsed. */
  instance?: string;
  code: ProblemCode;
  request_id?: string;
  errors?: ProblemFieldError[];
}

/** Builds the problem document for `code`. */
export function problemDocument(
  code: ProblemCode,
  detail: string,
  instance: string | undefined,
  extras: { errors?: ProblemFieldError[]; requestId?: string } = {},
): ProblemDocument {
  const { status, title } = PROBLEM_TYPES[code];
  return {
    type: problemTypeUri(code),
    title,
    status,
    detail,
    ...(instance !== undefined ? { instance } : {}),
    code,
    ...(extras.requestId ? { request_id: extras.requestId } : {}),
    ...(extras.errors ? { errors: extras.errors } : {}),
  };
}

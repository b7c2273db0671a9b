/**
 * One problem found in a body, as API clients see it in the `errors` array of a 400 problem
 * document.
 *
 * @example
 * { path: '/request/target', message: 'is required' }
 */
export interface ValidationIssue {
  /** JSON pointer (RFC 6901) to the offending value in the body; '' is the body itself. */
  path: string;
  /** What is wrong, phrased to follow the path: "is required", "must be a UUID". */
  message: string;
}

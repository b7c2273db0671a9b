/**
 * Who is making a request, once authenticated: the projects they may see and act on, and
 * the name recorded as `created_by` on what they create.
 */
export interface Caller {
  kind: 'api_key' | 'jwt';
  /** `api_key:<prefix>` or `jwt:<sub>`; stored as a run's `created_by`. */
  name: string;
  /** Non-empty; every read and write is limited to these projects. */
  projectIds: readonly string[];
  /** The public prefix of the API key presented (API keys only). */
  keyPrefix?: string;
}

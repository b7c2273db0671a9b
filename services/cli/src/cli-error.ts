/** A command line the `runq` command cannot act on; printed as one line with the usage hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit status of a usage error, as with most Unix tools. */
export const USAGE_EXIT_CODE = 2;

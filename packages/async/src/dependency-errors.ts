/**
 * True when an error means a dependency (Postgres, Redis) is unreachable or going away,
 * as opposed to a bug: the request can succeed later, so the answer is 503 with Retry-After.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: socket errors are created by Node's core, which may be
  // another realm than the code that catches them (a vm context, as under Jest).
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // Node socket errors, and Postgres SQLSTATE classes 08 (connection exception),
    // 57P0x (operator intervention: shutdown, crash) and 53 (insufficient resources).
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
    if (code.startsWith('08') || code.startsWith('57P') || code.startsWith('53')) return true;
  }
  const message = String((error as { message?: unknown }).message ?? '');
  return (
    message.includes('Connection terminated') ||
    // pg, for a query on a connection that broke earlier (mid-transaction, between statements).
    message.includes('is not queryable') ||
    message.includes('timeout exceeded when trying to connect') ||
    message.includes("Stream isn't writeable") ||
    message.includes('Connection is closed') ||
    message.includes('connect ECONNREFUSED')
  );
}

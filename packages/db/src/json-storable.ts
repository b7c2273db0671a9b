/** Deepest nesting accepted in stored JSON: far beyond any real request, far below any stack limit. */
export const MAX_JSON_DEPTH = 64;

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

// A lone UTF-16 surrogate: JSON.parse accepts "\ud800", but it is not a Unicode scalar value
// and Postgres refuses it in text and jsonb.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function stringIssue(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

/**
 * The first value (as a JSON pointer and a message) that Postgres could not store as sent:
 * nesting deeper than {@link MAX_JSON_DEPTH}, NUL characters, unpaired surrogates, or a
 * number outside the double range (JSON.parse turns `1e999` into Infinity). Checked before
 * anything is written, so such a value is refused up front, never a failed insert.
 */
export function findUnstorableValue(value: unknown, path = '', depth = 0): { path: string; message: string } | undefined {
  if (depth > MAX_JSON_DEPTH) return { path, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` };
  if (typeof value === 'string') {
    const message = stringIssue(value);
    return message ? { path, message } : undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { path, message: 'is a number too large to represent' };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const issue = findUnstorableValue(value[i], `${path}/${i}`, depth + 1);
      if (issue) return issue;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyMessage = stringIssue(key);
      if (keyMessage) return { path: `${path}/${escapePointer(key)}`, message: `has a property name that ${keyMessage}` };
      const issue = findUnstorableValue(item, `${path}/${escapePointer(key)}`, depth + 1);
      if (issue) return issue;
    }
  }
  return undefined;
}

import type { RequestOptions } from './http.js';

/** The transport options of a call: its `AbortSignal`, when it has one. */
export function signalOf(opts: RequestOptions): RequestOptions {
  return opts.signal ? { signal: opts.signal } : {};
}

/** `?name=value&…` of the defined `values`; empty when there are none. */
export function queryOf(values: Record<string, unknown>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined) query.set(name, String(value));
  return query.size > 0 ? `?${query.toString()}` : '';
}

/** The path of one resource of `collection` (`schedules/<id>`), or of an action on it (`schedules/<id>/pause`). */
export function resourcePath(collection: string, id: string, action?: string): string {
  return `${collection}/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
}

/** Every item of a cursor-paginated list, fetching each page as the iteration reaches it. */
export async function* eachItem<T>(pageAt: (cursor: string | undefined) => Promise<{ data: T[]; next_cursor?: string | null }>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await pageAt(cursor);
    yield* page.data;
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
}

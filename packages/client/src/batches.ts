import type { RequestOptions, Transport } from './http.js';
import { resourcePath, signalOf } from './request-parts.js';
import type { BatchProgress, BatchResult, BulkAction, BulkActionBody, CreateRunBody } from './types.js';

/**
 * `runq.batches.*`: up to 1,000 runs created in one request, each on its own.
 *
 * @example
 * const { batch_id, items } = await runq.batches.create(images.map((id) => ({ kind: 'task', owner, request: { target: 'resize', input: { id } } })));
 * const rejected = items.filter((item) => item.status === 'rejected');
 * const progress = await runq.batches.get(batch_id);
 */
export function batchMethods(transport: Transport) {
  return {
    /** Creates a batch (`POST /batches`): each item is a `POST /runs` body and gets its own outcome. */
    create(items: readonly CreateRunBody[], opts: RequestOptions = {}): Promise<BatchResult> {
      return transport.json<BatchResult>('POST', 'batches', { body: { items }, ...signalOf(opts) });
    },
    /** A batch's progress: its runs counted by status, and whether all have finished. */
    get(batchId: string, opts: RequestOptions = {}): Promise<BatchProgress> {
      return transport.json<BatchProgress>('GET', resourcePath('batches', batchId), signalOf(opts));
    },
  };
}

/**
 * `runq.bulkActions.*`: cancel or replay every run a `GET /runs` filter matches within a
 * creation window, asynchronously, with progress and abort.
 *
 * @example
 * const window = { created_after: new Date(Date.now() - 3_600_000).toISOString(), created_before: new Date().toISOString() };
 * const { matched } = await runq.bulkActions.dryRun({ action: 'replay', filter: { ...window, status: 'failed' } });
 * const action = await runq.bulkActions.create({ id: crypto.randomUUID(), action: 'replay', filter: { ...window, status: 'failed' } });
 */
export function bulkActionMethods(transport: Transport) {
  const path = (id: string, action?: string) => resourcePath('bulk-actions', id, action);
  return {
    /** Starts a bulk action; a repeat with the same `id` returns the same action. */
    create(body: BulkActionBody, opts: RequestOptions = {}): Promise<BulkAction> {
      return transport.json<BulkAction>('POST', 'bulk-actions', { body, ...signalOf(opts) });
    },
    /** How many runs the action would cover, without starting it. */
    dryRun(body: BulkActionBody, opts: RequestOptions = {}): Promise<{ matched: number }> {
      return transport.json<{ matched: number }>('POST', 'bulk-actions', { body: { ...body, dry_run: true }, ...signalOf(opts) });
    },
    /** A bulk action and its progress. */
    get(id: string, opts: RequestOptions = {}): Promise<BulkAction> {
      return transport.json<BulkAction>('GET', path(id), signalOf(opts));
    },
    /** Aborts a bulk action: workers stop between chunks. */
    abort(id: string, opts: RequestOptions = {}): Promise<BulkAction> {
      return transport.json<BulkAction>('POST', path(id, 'abort'), signalOf(opts));
    },
  };
}

import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { findRun, listRunEvents, type Db } from '@runq/db';
import { isTerminalStatus } from '@runq/runs';
import { toRunEvent } from './run-event.js';

/** How often an open stream looks for new events. */
const POLL_MS = 250;
/** A comment line keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/** The event streams an API process has open, so that its shutdown can end them. */
export class OpenEventStreams {
  private readonly ends = new Set<() => void>();

  /** Registers the function that ends one stream; returns the function that unregisters it. */
  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  /** Ends every open stream (a client's EventSource then reconnects, to another instance). */
  endAll(): void {
    for (const end of [...this.ends]) end();
  }
}

/**
 * Streams a run's events as Server-Sent Events (`event: run_event`, `id: <seq>`), from the
 * start or after `Last-Event-ID`, and ends after a terminal event. Events are read from
 * Postgres (the source of truth) by polling the run's indexed event log, so the stream works
 * behind any API instance and costs nothing on the write path. The stream is registered in
 * `open` while it lasts.
 */
export function streamRunEvents(ctx: Context, db: Db, runId: string, open?: OpenEventStreams): void {
  const lastEventId = Number.parseInt(ctx.get('last-event-id'), 10);
  let afterSeq = Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0;
  const stream = new PassThrough();
  ctx.status = 200;
  ctx.type = 'text/event-stream';
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = stream;

  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = Date.now();
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    unregister?.();
    stream.end();
  };
  const unregister = open?.add(close);
  ctx.req.on('close', close);

  let first = true;
  const poll = async () => {
    try {
      const events = await listRunEvents(db, runId, afterSeq);
      if (first && events.length === 0 && afterSeq > 0) {
        // A reconnect after the terminal event (EventSource reconnects whenever a stream ends,
        // sending the last id): nothing can follow it, so end now instead of idling forever.
        // Later terminal events arrive as events, so only the first poll needs this check.
        const run = await findRun(db, runId);
        if (!run || isTerminalStatus(run.status)) {
          close();
          return;
        }
      }
      first = false;
      for (const event of events) {
        stream.write(`id: ${event.seq}\nevent: run_event\ndata: ${JSON.stringify(toRunEvent(event))}\n\n`);
        afterSeq = event.seq;
        lastWrite = Date.now();
        if (isTerminalStatus(event.to_status)) {
          close();
          return;
        }
      }
      if (Date.now() - lastWrite >= HEARTBEAT_MS) {
        stream.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
    } catch {
      // A database hiccup: try again on the next tick rather than ending the stream.
    }
    if (!closed) timer = setTimeout(() => void poll(), POLL_MS);
  };
  stream.write(': stream of run events\n\n');
  void poll();
}

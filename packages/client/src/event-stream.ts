import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { Transport } from './http.js';
import { TERMINAL_STATUSES, type RunEvent } from './types.js';

/**
 * The events of a run as they happen (`GET /runs/{id}/events` as Server-Sent Events), from the
 * first; ends after the terminal event. A dropped connection is resumed from the last event
 * seen (`Last-Event-ID` semantics through the `seq` of events already yielded).
 */
export async function* streamRunEvents(transport: Transport, runId: string, signal?: AbortSignal): AsyncGenerator<RunEvent> {
  let lastSeq = 0;
  for (;;) {
    const response = await transport.send('GET', `runs/${encodeURIComponent(runId)}/events`, {
      accept: 'text/event-stream',
      ...(signal ? { signal } : {}),
    });
    if (!response.body) return;
    const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    const reader = events.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (value.event !== 'run_event') continue;
        const event = JSON.parse(value.data) as RunEvent;
        if (event.seq <= lastSeq) continue;
        lastSeq = event.seq;
        yield event;
        if (TERMINAL_STATUSES.has(event.to_status)) return;
      }
    } finally {
      reader.releaseLock();
      await response.body.cancel().catch(() => undefined);
    }
    signal?.throwIfAborted();
  }
}

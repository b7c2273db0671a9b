import type { ObservedRunEvent } from './event-log.js';

/** One Server-Sent Event as received. */
export interface ReceivedSse {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** An open `GET /runs/{id}/events` stream, read as it arrives. */
export interface RunEventStream {
  status: number;
  contentType: string | null;
  /** Every event received so far, in order. */
  readonly messages: ReceivedSse[];
  /** The run events received so far (the `data` of each message, parsed). */
  readonly events: ObservedRunEvent[];
  /** Resolves once the received events satisfy `predicate`; rejects after `timeoutMs` or when the stream ended first. */
  until(predicate: (events: ObservedRunEvent[]) => boolean, timeoutMs?: number): Promise<ObservedRunEvent[]>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  readonly hasEnded: boolean;
  /** Closes the stream from the client side. */
  close(): void;
}

/** Opens a run's event stream (`Accept: text/event-stream`) and parses it as it arrives. */
export async function openRunEventStream(base: string, key: string, runId: string, headers: Record<string, string> = {}): Promise<RunEventStream> {
  const controller = new AbortController();
  const response = await fetch(`${base}/runs/${runId}/events`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${key}`, ...headers },
    signal: controller.signal,
  });
  const messages: ReceivedSse[] = [];
  const events: ObservedRunEvent[] = [];
  const listeners = new Set<() => void>();
  let ended = false;
  const notify = () => {
    for (const listener of listeners) listener();
  };

  const read = async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const message: ReceivedSse = { id: undefined, event: undefined, data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') message.id = value;
            else if (field === 'event') message.event = value;
            else if (field === 'data') {
              message.data = hasData ? `${message.data}\n${value}` : value;
              hasData = true;
            }
          }
          if (!hasData) continue;
          messages.push(message);
          events.push(JSON.parse(message.data) as ObservedRunEvent);
          notify();
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      ended = true;
      notify();
    }
  };
  const endedPromise = read();

  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    messages,
    events,
    ended: endedPromise,
    get hasEnded() {
      return ended;
    },
    until(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(events)) {
            finish();
            resolve(events);
          } else if (ended) {
            finish();
            reject(new Error(`the stream ended before the expected events; received ${JSON.stringify(events)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`the expected events did not arrive within ${timeoutMs} ms; received ${JSON.stringify(events)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    close() {
      controller.abort();
    },
  };
}

import { RunqProblemError } from './errors.js';

/** How the client reaches the API. */
export interface TransportOptions {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** An API key (`vf_…`) or a JWT, sent as `Authorization: Bearer`. */
  token: string;
  /** Retries of a 429 or 503 answer (default 3), waiting as `Retry-After` says (at most 30 s each). */
  maxRetries?: number;
  /** A `fetch` implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** Per-request options. */
export interface RequestOptions {
  signal?: AbortSignal;
}

const RETRYABLE = new Set([429, 503]);
const MAX_RETRY_WAIT_MS = 30_000;

function retryDelayMs(response: Response, attempt: number): number {
  const header = response.headers.get('retry-after');
  const seconds = header === null ? Number.NaN : Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_WAIT_MS);
  const date = header === null ? Number.NaN : Date.parse(header);
  if (Number.isFinite(date)) return Math.min(Math.max(date - Date.now(), 0), MAX_RETRY_WAIT_MS);
  return Math.min(500 * 2 ** attempt, MAX_RETRY_WAIT_MS);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sends requests with credentials, retries 429/503, and turns problems into {@link RunqProblemError}. */
export class Transport {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: TransportOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Sends a request and returns the raw response once it is not a retryable answer. */
  async send(method: string, path: string, init: { body?: unknown; accept?: string } & RequestOptions = {}): Promise<Response> {
    const url = new URL(path, this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: init.accept ?? 'application/json',
    };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const maxRetries = this.options.maxRetries ?? 3;
    for (let attempt = 0; ; attempt += 1) {
      const response = await this.fetch(url, {
        method,
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      if (!RETRYABLE.has(response.status) || attempt >= maxRetries) {
        if (!response.ok) throw await problemOf(response);
        return response;
      }
      await response.body?.cancel();
      await sleep(retryDelayMs(response, attempt), init.signal);
    }
  }

  /** Sends a request and parses its JSON answer. */
  async json<T>(method: string, path: string, init: { body?: unknown } & RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, init);
    return (await response.json()) as T;
  }
}

async function problemOf(response: Response): Promise<RunqProblemError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const problem = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : { detail: `HTTP ${response.status}` };
  return new RunqProblemError(response.status, problem);
}

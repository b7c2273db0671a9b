/** How long a request may take before the suite calls it a hang (the API answers outages at once). */
export const HANG_MS = 10_000;

/** One answered request. */
export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  url: string;
}

/** What the observer saw go wrong with an answer: any is a violation of "503 with Retry-After, never a hang, never a 500". */
export interface BadAnswer {
  what: 'server_error' | 'unavailable_without_retry_after' | 'hang' | 'not_a_problem_document';
  method: string;
  path: string;
  status?: number;
  detail: string;
}

/**
 * Sends every request of the chaos suite to the API instances, round robin, and records how the
 * API answered: statuses, outage answers (503 with Retry-After), anything that breaks the
 * outage contract (a 5xx other than 503, a 503 without Retry-After, an error without a problem
 * document, a request that hangs), and connections refused or reset (an instance killed).
 */
export class HttpObserver {
  readonly statuses = new Map<number, number>();
  readonly bad: BadAnswer[] = [];
  networkErrors = 0;
  unavailable = 0;
  private next = 0;
  private readonly inFlight: number[];

  constructor(
    private readonly urls: () => string[],
    private readonly key: string,
  ) {
    this.inFlight = urls().map(() => 0);
  }

  /** Requests now waiting for an answer from instance `index`. */
  inFlightAt(index: number): number {
    return this.inFlight[index] ?? 0;
  }

  /** Sends a request to the next instance; undefined when the connection failed (refused, reset). */
  async send(method: string, path: string, body?: unknown, instance?: number): Promise<Answer | undefined> {
    const urls = this.urls();
    const index = instance ?? this.next++ % urls.length;
    const url = `${urls[index]}${path}`;
    const started = Date.now();
    this.inFlight[index] = (this.inFlight[index] ?? 0) + 1;
    try {
      const response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(HANG_MS),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: recorded below if it should have been a problem document.
      }
      this.record(method, path, response, parsed);
      return { status: response.status, headers: response.headers, body: parsed, url };
    } catch (error) {
      if ((error as Error).name === 'TimeoutError' || Date.now() - started >= HANG_MS) {
        this.bad.push({ what: 'hang', method, path, detail: `no answer from ${urls[index]} within ${HANG_MS} ms` });
      } else {
        this.networkErrors += 1;
      }
      return undefined;
    } finally {
      this.inFlight[index] = (this.inFlight[index] ?? 1) - 1;
    }
  }

  private record(method: string, path: string, response: Response, body: unknown): void {
    this.statuses.set(response.status, (this.statuses.get(response.status) ?? 0) + 1);
    const status = response.status;
    if (status >= 400) {
      const isProblem = /^application\/problem\+json/.test(response.headers.get('content-type') ?? '') && (body as { status?: unknown })?.status === status;
      if (!isProblem) this.bad.push({ what: 'not_a_problem_document', method, path, status, detail: JSON.stringify(body).slice(0, 300) });
    }
    if (status === 503) {
      this.unavailable += 1;
      const retryAfter = Number(response.headers.get('retry-after'));
      if (!(Number.isInteger(retryAfter) && retryAfter >= 1)) {
        this.bad.push({ what: 'unavailable_without_retry_after', method, path, status, detail: JSON.stringify(body).slice(0, 300) });
      }
    } else if (status >= 500) {
      this.bad.push({ what: 'server_error', method, path, status, detail: JSON.stringify(body).slice(0, 300) });
    }
  }
}

/** Seconds to wait before retrying after `answer` (its Retry-After, capped so the load keeps flowing). */
export function retryDelayMs(answer: Answer | undefined): number {
  if (!answer) return 100;
  const seconds = Number(answer.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, 2_000) : 250;
}

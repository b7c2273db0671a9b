import { request } from 'node:http';
import { connect } from 'node:net';

/** A response read by {@link sendRaw}. */
export interface RawResponse {
  status: number;
  headers: Headers;
  /** The body parsed as JSON when it is JSON, else the text. */
  body: any;
}

/**
 * Sends a request with exactly the given bytes (fetch cannot send invalid UTF-8 as text, a
 * wrong Content-Length, or a chunked body of a chosen size). With `chunked`, the body goes
 * out in chunks without a Content-Length; otherwise Content-Length is the body's length
 * unless `headers` sets it. Resolves with the response even when the server answers before
 * the whole body was sent (an early 413): write errors after the answer are ignored.
 */
export function sendRaw(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer; chunked?: boolean; chunkSize?: number },
): Promise<RawResponse> {
  const url = new URL(options.path, baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers: Record<string, string> = { ...options.headers };
    if (options.body && !options.chunked && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(options.body.length);
    }
    const req = request(
      { method: options.method ?? 'POST', hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers, agent: false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: the text is returned for the assertion to report
          }
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body });
        });
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.body) {
      if (options.chunked) {
        const size = options.chunkSize ?? 64 * 1024;
        for (let offset = 0; offset < options.body.length; offset += size) {
          req.write(options.body.subarray(offset, offset + size));
        }
      } else {
        req.write(options.body);
      }
    }
    req.end();
  });
}

/**
 * Writes `bytes` to a new TCP connection to the server and resolves with what came back
 * before the server closed it: for requests Node's HTTP parser refuses, which no HTTP client
 * will send.
 */
export function sendRawSocket(baseUrl: string, bytes: string | Buffer): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = new Headers();
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      const bodyText = rest.join('\r\n\r\n');
      let body: unknown = bodyText;
      try {
        body = bodyText ? JSON.parse(bodyText) : undefined;
      } catch {
        // not JSON: the text is returned for the assertion to report
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body });
    });
  });
}

/** A request whose body the client holds back: in flight at the server, waiting for the client. */
export interface HeldRequest {
  /** Resolves once the server has read the request's headers (it answered `100 Continue`). */
  readonly started: Promise<void>;
  /** Sends the body and resolves with the response status. */
  finish(): Promise<number>;
  /** Drops the connection. */
  abort(): void;
}

/**
 * Starts a JSON request with `Expect: 100-continue` and holds its body back until `finish()`:
 * a request the server is handling for as long as the client takes to send it.
 */
export function holdRequest(baseUrl: string, options: { method?: string; path: string; headers?: Record<string, string>; body: unknown }): HeldRequest {
  const url = new URL(options.path, baseUrl);
  const body = Buffer.from(JSON.stringify(options.body));
  const req = request({
    method: options.method ?? 'POST',
    hostname: url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    headers: { ...options.headers, 'content-type': 'application/json', 'content-length': String(body.length), expect: '100-continue' },
    agent: false,
  });
  const response = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  response.catch(() => undefined);
  const started = new Promise<void>((resolve, reject) => {
    req.once('continue', () => resolve());
    req.once('error', reject);
  });
  req.flushHeaders();
  return {
    started,
    finish() {
      req.end(body);
      return response;
    },
    abort: () => req.destroy(),
  };
}

import { connect, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 keep-alive client for load generation. Node's `http` client costs about
 * 0.3–0.5 ms of CPU per request on a 2-core machine, which at a few thousand requests per
 * second takes a core away from the system under test. This one writes each request as one
 * prepared buffer and reads only the status line, the framing headers and the body length:
 * an order of magnitude less work per request. One request at a time per connection (no
 * pipelining), like a real client pool.
 */

/** An answer: status and (when asked for) the body. */
export interface LeanResponse {
  status: number;
  body: Buffer | undefined;
}

interface Pending {
  resolve: (response: LeanResponse) => void;
  reject: (error: Error) => void;
  keepBody: boolean;
}

/** One keep-alive connection. */
class Connection {
  private readonly socket: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  private closedError: Error | undefined;
  readonly ready: Promise<void>;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port, noDelay: true });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    const fail = (error: Error) => {
      this.closedError ??= error;
      const pending = this.pending;
      this.pending = undefined;
      pending?.reject(error);
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('connection closed by the server')));
  }

  get usable(): boolean {
    return this.closedError === undefined && !this.socket.destroyed;
  }

  send(request: Buffer, keepBody: boolean): Promise<LeanResponse> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, keepBody };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Parses one complete response from the buffer, if there is one. */
  private parse(): void {
    const pending = this.pending;
    if (!pending) return;
    const headerEnd = this.buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const bodyStart = headerEnd + 4;
    let bodyEnd: number;
    let body: Buffer | undefined;
    if (length) {
      bodyEnd = bodyStart + Number(length[1]);
      if (this.buffer.length < bodyEnd) return;
      if (pending.keepBody) body = this.buffer.subarray(bodyStart, bodyEnd);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const chunks: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = Number.parseInt(this.buffer.toString('latin1', at, lineEnd), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          bodyEnd = lineEnd + 4;
          break;
        }
        chunks.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      if (pending.keepBody) body = Buffer.concat(chunks);
    } else {
      bodyEnd = bodyStart;
    }
    this.buffer = this.buffer.length > bodyEnd ? this.buffer.subarray(bodyEnd) : Buffer.alloc(0);
    this.pending = undefined;
    pending.resolve({ status, body });
  }
}

/** A pool of keep-alive connections to one host, opened on demand up to `maxConnections`. */
export class LeanHttpPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: ((connection: Connection) => void)[] = [];
  private open = 0;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly maxConnections: number,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
  }

  /** Builds the bytes of a request (done once per distinct request, or per request when bodies differ). */
  static request(method: string, path: string, host: string, headers: Record<string, string>, body?: string): Buffer {
    const lines = [`${method} ${path} HTTP/1.1`, `host: ${host}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`);
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
  }

  private async acquire(): Promise<Connection> {
    for (;;) {
      const connection = this.idle.pop();
      if (!connection) break;
      if (connection.usable) return connection;
      this.open -= 1;
    }
    if (this.open < this.maxConnections) {
      this.open += 1;
      const connection = new Connection(this.host, this.port);
      try {
        await connection.ready;
      } catch (error) {
        this.open -= 1;
        throw error;
      }
      return connection;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(connection: Connection): void {
    if (!connection.usable) {
      this.open -= 1;
      connection.close();
      // Someone waiting gets a fresh connection instead.
      const next = this.waiting.shift();
      if (next) void this.acquire().then(next, () => undefined);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(connection);
    else this.idle.push(connection);
  }

  /**
   * Sends a prepared request; resolves with the status (and the body when `keepBody`). A
   * request that fails because the server had just closed an idle connection is sent once more
   * on a new one (the server never read it), as HTTP clients do.
   */
  async send(request: Buffer, keepBody = false): Promise<LeanResponse> {
    for (let attempt = 1; ; attempt += 1) {
      const reused = this.idle.length > 0;
      const connection = await this.acquire();
      try {
        return await connection.send(request, keepBody);
      } catch (error) {
        if (!reused || attempt > 1) throw error;
      } finally {
        this.release(connection);
      }
    }
  }

  close(): void {
    for (const connection of this.idle) connection.close();
    this.idle.length = 0;
  }
}

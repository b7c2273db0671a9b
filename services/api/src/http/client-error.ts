import type { Duplex } from 'node:stream';
import { PROBLEM_TYPES, problemDocument, type ProblemCode } from './problem.js';

/** The problem for a request Node's HTTP parser refused, by the parser's error code. */
function problemFor(errorCode: string | undefined): { code: ProblemCode; detail: string } {
  if (errorCode === 'HPE_HEADER_OVERFLOW') return { code: 'headers_too_large', detail: 'The request headers exceed the server limit.' };
  if (errorCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { code: 'request_timeout', detail: 'The request headers or body did not arrive in time.' };
  }
  return { code: 'malformed_request', detail: 'The request is not valid HTTP/1.1.' };
}

/**
 * The server's `clientError` listener. Requests that Node's parser refuses (bad header syntax,
 * Content-Length with chunked encoding, oversized headers, a slow client) never reach Koa;
 * Node would answer them with a bare status line. This answers with an RFC 9457 problem
 * document like every other error, then closes the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { code, detail } = problemFor(error.code);
  const { status, title } = PROBLEM_TYPES[code];
  const body = JSON.stringify(problemDocument(code, detail, undefined));
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}

import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('logger', () => {
  it('when an error is logged, then the line names its type, message, code and cause but carries no stack', () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'info', service: 'test', destination: stream });
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    log.warn({ err: new TypeError('lookup failed', { cause }) }, 'database connection lost');
    const [line] = lines();
    expect(line?.['err']).toEqual({
      type: 'TypeError',
      message: 'lookup failed',
      cause: { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' },
    });
  });

  it('when a value that is not an error is logged as err, then it is kept as is', () => {
    const { stream, lines } = capture();
    createLogger({ level: 'info', service: 'test', destination: stream }).info({ err: 'plain text' }, 'odd');
    expect(lines()[0]?.['err']).toBe('plain text');
  });
});

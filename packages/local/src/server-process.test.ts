import { ServerStartError } from './errors.js';
import { ServerProcess, type ServerProcessOptions } from './server-process.js';
import { isProcessRunning } from './testing.js';

/** A shell "server" that runs `script`, ready when it prints READY. */
function shellServer(script: string, overrides: Partial<ServerProcessOptions> = {}): ServerProcessOptions {
  return {
    name: 'fake-server',
    command: '/bin/sh',
    args: ['-c', script],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    isReady: (line) => line === 'READY',
    readyTimeoutMs: 10_000,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 10_000,
    ...overrides,
  };
}

describe('ServerProcess', () => {
  const started: ServerProcess[] = [];

  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
  });

  it('when the ready line arrives split across writes, then start resolves and every line reaches onLog', async () => {
    const lines: string[] = [];
    // `exec sleep` keeps one process to signal; the ready line is written in two pieces.
    const server = await ServerProcess.start(shellServer(`echo booting; printf 'REA'; printf 'DY\\n'; exec sleep 600`, { onLog: (line) => lines.push(line) }));
    started.push(server);

    expect(lines).toEqual(['booting', 'READY']);
    expect(isProcessRunning(server.pid)).toBe(true);
  });

  it('when stop is called twice, then both calls resolve after the process has exited', async () => {
    const server = await ServerProcess.start(shellServer('echo READY; exec sleep 600'));
    started.push(server);

    await Promise.all([server.stop(), server.stop()]);

    expect(server.running).toBe(false);
    expect(isProcessRunning(server.pid)).toBe(false);
  });

  it('when the server ignores its stop signal, then it is killed after the grace period', async () => {
    const server = await ServerProcess.start(shellServer(`trap '' TERM; echo READY; while :; do sleep 1; done`, { stopTimeoutMs: 300 }));
    started.push(server);

    await server.stop();

    expect(isProcessRunning(server.pid)).toBe(false);
  });

  it('when the server exits before it is ready, then the error says how and ends with its last output', async () => {
    const failure = await ServerProcess.start(shellServer('echo "FATAL: cannot open data" >&2; exit 3')).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ServerStartError);
    expect((failure as Error).message).toBe(
      'fake-server failed to start: exited with code 3 before it was ready\nlast output of fake-server:\n  FATAL: cannot open data',
    );
  });

  it('when the server never reports ready, then start fails at the deadline and leaves nothing running', async () => {
    const lines: string[] = [];
    const failure = await ServerProcess.start(shellServer('echo "$$"; exec sleep 600', { readyTimeoutMs: 300, onLog: (line) => lines.push(line) })).catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(ServerStartError);
    expect((failure as Error).message).toMatch(/^fake-server failed to start: not ready after 300 ms/);
    expect(isProcessRunning(Number(lines[0]))).toBe(false);
  });

  it('when the command does not exist, then start fails with ServerStartError', async () => {
    await expect(ServerProcess.start(shellServer('', { command: '/nonexistent/fake-server' }))).rejects.toThrow(
      /^fake-server failed to start: could not run \/nonexistent\/fake-server: spawn \/nonexistent\/fake-server ENOENT/,
    );
  });
});

import type { CloseStage } from '@runq/async';
import { Shutdown, signalExitCode, type ShutdownPlan } from './shutdown.js';

const never = () => new Promise<never>(() => undefined);

/** A shutdown whose exits and lines are recorded instead of ending the test process. */
function recordedShutdown(stages: ShutdownPlan['stages'], deadlineMs = 5_000) {
  const lines: string[] = [];
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  const codes: number[] = [];
  const record = (line: string) => lines.push(line);
  const shutdown = new Shutdown({ stages, deadlineMs, log: { info: record, warn: record, error: record } }, (code) => {
    codes.push(code);
    resolveExit(code);
  });
  return { shutdown, lines, codes, exited };
}

function stage(...steps: { name: string; timeoutMs?: number; close: () => Promise<unknown> }[]): CloseStage {
  return steps.map((step) => ({ timeoutMs: 1_000, ...step }));
}

describe('Shutdown', () => {
  it('when every step closes, then the process exits 0 once, without a line about abandoned steps', async () => {
    const { shutdown, lines, codes, exited } = recordedShutdown(() => [stage({ name: 'http server', close: async () => undefined })]);
    shutdown.handle('SIGTERM');
    expect(await exited).toBe(0);
    expect(codes).toEqual([0]);
    expect(lines).toEqual(['received SIGTERM; shutting down']);
  });

  it('when a step outlasts its bound, then the process exits 1 with a line naming it', async () => {
    const { shutdown, lines, exited } = recordedShutdown(() => [
      stage({ name: 'queue workers', timeoutMs: 20, close: never }),
      stage({ name: 'worker database', close: async () => undefined }),
    ]);
    shutdown.handle('SIGTERM');
    expect(await exited).toBe(1);
    expect(lines).toContain('shutdown abandoned queue workers (not closed in time); exiting with code 1');
  });

  it('when a step fails, then the process exits 1 with a line naming it and its reason', async () => {
    const { shutdown, lines, exited } = recordedShutdown(() => [stage({ name: 'api database', close: () => Promise.reject(new Error('connection lost')) })]);
    shutdown.handle('SIGINT');
    expect(await exited).toBe(1);
    expect(lines).toContain('shutdown step api database failed: connection lost');
  });

  it('when the final deadline passes first, then the process exits 1 naming the running step and those not started', async () => {
    const { shutdown, lines, codes, exited } = recordedShutdown(
      () => [stage({ name: 'queue workers', timeoutMs: 300, close: never }), stage({ name: 'worker queues', close: async () => undefined })],
      30,
    );
    shutdown.handle('SIGTERM');
    expect(await exited).toBe(1);
    expect(codes).toEqual([1]);
    expect(lines).toContain('shutdown deadline of 30 ms passed; abandoned queue workers, worker queues; exiting with code 1');
  });

  it('when the command is still starting up at the deadline, then the line says so', async () => {
    const { shutdown, lines, exited } = recordedShutdown(() => never(), 30);
    shutdown.handle('SIGTERM');
    expect(await exited).toBe(1);
    expect(lines).toContain('shutdown deadline of 30 ms passed; abandoned start-up; exiting with code 1');
  });

  it('when a second signal comes while a step is blocked, then the process exits at once with 128 + the signal number', async () => {
    const { shutdown, lines, codes } = recordedShutdown(() => [stage({ name: 'queue workers', timeoutMs: 300, close: never })]);
    shutdown.handle('SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    shutdown.handle('SIGINT');
    expect(codes).toEqual([130]);
    expect(lines).toContain('received SIGINT again; exiting now');
    expect(signalExitCode('SIGTERM')).toBe(143);
  });
});

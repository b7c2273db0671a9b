import type { CliProcess, ProcessExit } from './worker-process.js';

/**
 * Past a process's own final shutdown deadline, how long it may take to be gone: the exit itself
 * and the pipes draining, on a loaded 2-core machine.
 */
export const EXIT_SLACK_MS = 5_000;

/** How a signalled process ended, and how long after the signal. */
export interface TimedExit extends ProcessExit {
  elapsedMs: number;
}

/** Sends `signal` and resolves once the process has exited. */
export async function signalAndWait(proc: CliProcess, signal: NodeJS.Signals): Promise<TimedExit> {
  const sentAt = Date.now();
  proc.signal(signal);
  const exit = await proc.exited;
  return { ...exit, elapsedMs: Date.now() - sentAt };
}

/** The text of a log line: a JSON line's `msg`, or the line itself (the terminal of `runq start`). */
function messageOf(line: string): string {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && 'msg' in parsed ? String(parsed.msg) : line;
  } catch {
    return line;
  }
}

/**
 * The steps a process said it abandoned on its way out (after their own bound, or at its final
 * deadline); an empty list when it abandoned nothing.
 */
export function abandonedSteps(proc: CliProcess): string[] {
  for (const line of proc.stdout) {
    const match = /^shutdown (?:abandoned|deadline of \d+ ms passed; abandoned) (.+?)(?: \(not closed in time\))?; exiting with code \d+$/.exec(
      messageOf(line),
    );
    if (match) return match[1]!.split(', ');
  }
  return [];
}

/** Whether the process logged that it was shutting down on `signal`. */
export function saysShuttingDown(line: unknown, signal: NodeJS.Signals): boolean {
  const text = typeof line === 'string' ? line : (line as { msg?: unknown } | undefined)?.msg;
  return text === `received ${signal}; shutting down`;
}

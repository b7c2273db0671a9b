import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `runq` command as installed (it runs the built `dist/`, so `tsc -b` must have run). */
export const RUNQ_BIN = fileURLToPath(new URL('../../services/cli/bin/runq.js', import.meta.url));

/** What a finished `runq` process left behind. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `runq <args>` in a child process with exactly `env` (plus PATH) and waits for it to exit. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNQ_BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

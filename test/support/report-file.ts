import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A record a fixture handler appends to its report file (see `test/fixtures/handlers.mjs`). */
export interface HandlerReport {
  event: string;
  pid: number;
  run_id: string;
  attempt: number;
  /** `Date.now()` in the handler's process when the event happened. */
  at: number;
  [field: string]: unknown;
}

/**
 * The side channel between fixture handlers in worker processes and the test: a directory of
 * report files (JSON lines appended by handlers) and release files (a handler blocked on one
 * returns once the test creates it).
 */
export class ReportDir {
  private constructor(readonly path: string) {}

  static async create(): Promise<ReportDir> {
    return new ReportDir(await mkdtemp(join(tmpdir(), 'runq-reports-')));
  }

  /** A fresh file path in the directory (nothing is created). */
  file(label: string): string {
    return join(this.path, `${label}-${randomUUID()}`);
  }

  /** The records in `file` so far (none when the file does not exist yet). */
  async read(file: string): Promise<HandlerReport[]> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as HandlerReport);
  }

  /** Resolves with the first record of `file` that matches; rejects after `timeoutMs`. */
  async waitFor(file: string, predicate: (record: HandlerReport) => boolean, timeoutMs = 15_000): Promise<HandlerReport> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.read(file)).find(predicate);
      if (found) return found;
      if (Date.now() >= deadline) throw new Error(`no matching report in ${file} within ${timeoutMs} ms: ${JSON.stringify(await this.read(file))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Creates a release file: a fixture handler waiting on it returns. */
  async release(file: string): Promise<void> {
    await writeFile(file, 'released');
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

import { createRunqClient, RunqProblemError, type RunqClient } from '@runq/client';
import { optionalString, requireUrl, type Env } from '@runq/config';
import { UsageError } from '../cli-error.js';

/** The API client of `runq runs` and `runq schedules`: `RUNQ_URL` and `RUNQ_API_KEY`. */
export function clientFrom(env: Env): RunqClient {
  const baseUrl = requireUrl(env, 'RUNQ_URL', ['http:', 'https:']);
  const token = optionalString(env, 'RUNQ_API_KEY');
  if (!token) throw new UsageError('RUNQ_API_KEY is required (an API key or a JWT)');
  return createRunqClient({ baseUrl, token });
}

/** The value of a JSON flag; a usage error naming the flag when it is not JSON. */
export function parseJson(flag: string, value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new UsageError(`${flag} must be JSON (got ${JSON.stringify(value)})`);
  }
}

/** Writes an API problem to stderr (status, title, detail and each field) and returns exit status 1; rethrows anything else. */
export function reportProblem(error: unknown): number {
  if (!(error instanceof RunqProblemError)) throw error;
  const fields = error.errors.map((issue) => `  ${issue.path || '/'}: ${issue.message}`);
  process.stderr.write(`runq: ${error.status} ${error.title}: ${error.detail}\n${fields.map((line) => `${line}\n`).join('')}`);
  return 1;
}

/** The one id a subcommand takes (`usage` names the subcommand and what the id is, for the error). */
export function exactlyOneId(positionals: readonly string[], usage: string): string {
  const [id, extra] = positionals;
  if (id === undefined || extra !== undefined) throw new UsageError(usage);
  return id;
}

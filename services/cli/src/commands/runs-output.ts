import type { Run, RunEvent } from '@runq/client';

/** One line describing a run, for humans. */
export function runLine(run: Run): string {
  const name = run.kind === 'workflow' ? run.workflow_id : run.target;
  const error = run.error ? `  error: ${run.error.message}${run.error.code ? ` (${run.error.code})` : ''}` : '';
  const waiting = run.waiting_reason ? ` (${run.waiting_reason})` : '';
  return `${run.run_id}  ${run.kind.padEnd(8)} ${`${run.status}${waiting}`.padEnd(19)} ${name ?? ''}  ${run.created_at}${error}`;
}

/** The fields of a run worth reading, one per line. */
export function runDetails(run: Run): string[] {
  const lines = [
    `run        ${run.run_id}`,
    `kind       ${run.kind}`,
    `status     ${run.status}${run.waiting_reason ? ` (${run.waiting_reason})` : ''}`,
    `target     ${run.kind === 'workflow' ? run.workflow_id : run.target}`,
    `owner      ${run.owner.kind} ${run.owner.id}`,
    `created    ${run.created_at}`,
  ];
  if (run.started_at) lines.push(`started    ${run.started_at}`);
  if (run.completed_at) lines.push(`finished   ${run.completed_at}${run.duration_ms !== null ? ` (${run.duration_ms} ms)` : ''}`);
  if (run.parent_run_id) lines.push(`parent     ${run.parent_run_id}`);
  if (run.output !== undefined && run.output !== null) lines.push(`output     ${JSON.stringify(run.output)}`);
  if (run.error) lines.push(`error      ${run.error.message}${run.error.code ? ` (${run.error.code})` : ''}`);
  if (run.logs) lines.push('logs', ...run.logs.split('\n').map((line) => `  ${line}`));
  return lines;
}

/** One line of a run's timeline. */
export function eventLine(event: RunEvent, startedAt: number): string {
  const offset = ((Date.parse(event.at) - startedAt) / 1000).toFixed(3).padStart(8);
  const error = (event.data as { error?: { message?: string } } | null)?.error?.message;
  const reason = (event.data as { waiting_reason?: string } | null)?.waiting_reason;
  const detail = error ? `  ${error}` : reason ? `  ${reason}` : '';
  return `+${offset}s  #${event.seq}  ${event.from_status ?? 'new'} -> ${event.to_status}  (attempt ${event.attempt})${detail}`;
}

import type { RunEventRow } from '@runq/db';

/** An event of a run's log as the API returns it. */
export interface RunEvent {
  seq: number;
  run_id: string;
  from_status: string | null;
  to_status: string;
  attempt: number;
  at: string;
  data: unknown;
}

/** Converts a stored event into its public form. */
export function toRunEvent(event: RunEventRow): RunEvent {
  return {
    seq: event.seq,
    run_id: event.run_id,
    from_status: event.from_status,
    to_status: event.to_status,
    attempt: event.attempt,
    at: event.at.toISOString(),
    data: event.data ?? null,
  };
}

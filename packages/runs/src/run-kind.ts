/** The kinds of run; each has its own queue. */
export const RUN_KINDS = ['agent', 'workflow', 'task', 'eval'] as const;

/** A run's kind. */
export type RunKind = (typeof RUN_KINDS)[number];

/** True when `value` names a run kind. */
export function isRunKind(value: unknown): value is RunKind {
  return typeof value === 'string' && (RUN_KINDS as readonly string[]).includes(value);
}

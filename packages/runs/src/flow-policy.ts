import type { RunKind } from './run-kind.js';

/**
 * What a policy's bucket is keyed on: one bucket for every matching run (`null`), or one per
 * owner, conversation, target, parent run, or value at a path of the run's metadata.
 */
export type BucketKey = null | 'owner' | 'conversation' | 'target' | 'parent' | `metadata.${string}`;

/** What a full concurrency bucket does with a new run. */
export const CONCURRENCY_STRATEGIES = ['queue', 'cancel_in_progress', 'cancel_newest'] as const;

/** A concurrency strategy: wait for a slot, cancel the bucket's running runs, or cancel the new run. */
export type ConcurrencyStrategy = (typeof CONCURRENCY_STRATEGIES)[number];

/** Why a pending run has not been given to a worker yet. */
export const HOLD_REASONS = ['concurrency', 'rate', 'schedule', 'no_worker'] as const;

/** A hold reason. */
export type HoldReason = (typeof HOLD_REASONS)[number];

/** The longest priority, either way, in seconds (a day). */
export const MAX_PRIORITY_SECONDS = 86_400;

/** A flow-control policy of a project, as runq applies it. */
export interface FlowPolicy {
  id: string;
  name: string;
  match: { kind: RunKind | null; target: string | null };
  concurrency: { key: BucketKey; limit: number; strategy: ConcurrencyStrategy } | null;
  rate: { key: BucketKey; max: number; perMs: number } | null;
  /** Seconds: a positive priority moves a run ahead of runs created up to that long before it. */
  priority: number;
  /** A run not started within this long is cancelled (error code `expired`). */
  ttlMs: number | null;
}

/** What of a run a policy reads: what it matches on and what its keys name. */
export interface PolicySubject {
  kind: RunKind;
  target: string | null;
  workflow_id: string | null;
  owner_kind: string;
  owner_id: string;
  conversation_id: string | null;
  parent_run_id: string | null;
  metadata: unknown;
  created_at: Date;
}

/** The name a run goes by for matching and keying: `workflow_id` for workflows, else `target`. */
export function subjectTarget(run: Pick<PolicySubject, 'kind' | 'target' | 'workflow_id'>): string | null {
  return run.kind === 'workflow' ? run.workflow_id : run.target;
}

/** True when `policy` applies to `run` (its kind and target, where the policy names them). */
export function policyMatches(policy: Pick<FlowPolicy, 'match'>, run: Pick<PolicySubject, 'kind' | 'target' | 'workflow_id'>): boolean {
  return (policy.match.kind === null || policy.match.kind === run.kind) && (policy.match.target === null || policy.match.target === subjectTarget(run));
}

/** The value at a dotted `path` of `value`, when it is a string, number or boolean. */
function valueAt(value: unknown, path: string): string | undefined {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean' ? JSON.stringify(current) : undefined;
}

/**
 * The bucket of `run` under `key` within `policyId`, or `undefined` when the run has no value
 * for the key (no conversation, no parent, no such metadata): such a run is in no bucket of that
 * policy, so a missing value never groups unrelated runs together.
 */
export function bucketOf(policyId: string, key: BucketKey, run: PolicySubject): string | undefined {
  const value = (() => {
    if (key === null) return '*';
    switch (key) {
      case 'owner':
        return `${run.owner_kind}:${run.owner_id}`;
      case 'conversation':
        return run.conversation_id ?? undefined;
      case 'target':
        return subjectTarget(run) ?? undefined;
      case 'parent':
        return run.parent_run_id ?? undefined;
      default:
        return valueAt(run.metadata, key.slice('metadata.'.length));
    }
  })();
  return value === undefined ? undefined : `${policyId}/${value}`;
}

/** What the policies matching a run mean for it. */
export interface RunAdmissionPlan {
  /** Names of the policies that apply, for the run's first event. */
  policies: string[];
  /** Concurrency buckets the run needs a slot in, with the policy that limits each. */
  slots: { policyId: string; bucket: string }[];
  /** Rate buckets the run must pass. */
  rates: { policyId: string; bucket: string }[];
  /** When the run counts as created for ordering: its creation moved by the largest priority. */
  orderAt: Date;
  /** When the run expires if it has not started (the shortest time to live), or null. */
  expiresAt: Date | null;
}

/** How `run` is admitted under the `policies` of its project (those that do not match are ignored). */
export function planAdmission(run: PolicySubject, policies: readonly FlowPolicy[]): RunAdmissionPlan {
  const applying = policies.filter((policy) => policyMatches(policy, run));
  const slots: RunAdmissionPlan['slots'] = [];
  const rates: RunAdmissionPlan['rates'] = [];
  for (const policy of applying) {
    const slot = policy.concurrency && bucketOf(policy.id, policy.concurrency.key, run);
    if (slot) slots.push({ policyId: policy.id, bucket: slot });
    const rate = policy.rate && bucketOf(policy.id, policy.rate.key, run);
    if (rate) rates.push({ policyId: policy.id, bucket: rate });
  }
  const priority = applying.reduce((best, policy) => (Math.abs(policy.priority) > Math.abs(best) ? policy.priority : best), 0);
  const ttls = applying.flatMap((policy) => (policy.ttlMs === null ? [] : [policy.ttlMs]));
  const created = run.created_at.getTime();
  return {
    policies: applying.map((policy) => policy.name),
    slots,
    rates,
    orderAt: new Date(created - priority * 1000),
    expiresAt: ttls.length === 0 ? null : new Date(created + Math.min(...ttls)),
  };
}

/**
 * Whether a rate of `max` starts per `perMs` allows a start at `now`, given when the `max`-th
 * most recent start happened (`null`: fewer than `max` starts so far). Allowed when that start is
 * at least `perMs` old, so no window of length `perMs` ever holds more than `max` starts; when
 * refused, the start may be tried again once that start is `perMs` old.
 */
export function rateDecision(maxthLatestStart: number | null, now: number, perMs: number): { allowed: true } | { allowed: false; retryAt: number } {
  if (maxthLatestStart === null || maxthLatestStart + perMs <= now) return { allowed: true };
  return { allowed: false, retryAt: maxthLatestStart + perMs };
}

const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const FORMAT_UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
] as const;

/** A duration in the largest unit that divides it (`60000` → `1m`, `0` → `0s`): the inverse of {@link parseDuration}. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of FORMAT_UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** Milliseconds of a duration such as `30s`, `15m`, `2h`, `1d` (or `250ms`); undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

import { compileSchemaValidator } from './schema-validator.js';
import { loadRunqDocument } from './served-document.js';
import type { ValidationResult } from './validation-issues.js';

/** Body of `POST /runs/{run_id}/resume`. */
export interface ResumeRunBody {
  data: unknown;
}
/** Body of `POST /runs/{run_id}/complete`. */
export interface CompleteRunBody {
  output?: unknown;
  logs?: string;
  artifacts?: unknown[];
  exit_code?: number;
}
/** Body of `POST /runs/{run_id}/fail`. */
export interface FailRunBody {
  error: { message: string; code?: string };
}
/** Body of `POST /runs/{run_id}/wait`. */
export interface WaitRunBody {
  reason: 'tool' | 'approval' | 'event' | 'input';
  timeout_seconds?: number;
}

/** A bucket key of a policy: see `BucketKey` in runq.openapi.yaml. */
export type PolicyBucketKey = string | null;

/** Body of `PUT /policies/{name}`. */
export interface PolicyBody {
  project_id?: string;
  match?: { kind?: 'agent' | 'workflow' | 'task' | 'eval' | null; target?: string | null };
  concurrency?: { key?: PolicyBucketKey; limit: number; strategy?: 'queue' | 'cancel_in_progress' | 'cancel_newest' } | null;
  rate?: { key?: PolicyBucketKey; max: number; per: string } | null;
  priority?: number;
  ttl?: string | null;
}

/** `spec` of a schedule: see `ScheduleSpec` in runq.openapi.yaml. */
export type ScheduleSpecBody = { cron: string; timezone?: string } | { every: string; anchor?: string } | { at: string[] };

/** The fields of a schedule as the API takes them (`POST /schedules`, `PUT /schedules/by-key/{key}`). */
export interface ScheduleBody {
  key?: string | null;
  spec: ScheduleSpecBody;
  start_at?: string | null;
  end_at?: string | null;
  max_runs?: number | null;
  jitter?: string;
  overlap?: 'skip' | 'buffer_one' | 'buffer_all' | 'cancel_other' | 'allow';
  missed?: 'skip' | 'once' | 'all';
  catchup_window?: string;
  run_ttl?: string | null;
  paused?: boolean;
  /** A `POST /runs` body; validated against that contract by whoever reads it. */
  run: Record<string, unknown>;
}

/** Body of `PATCH /schedules/{id}`: any field of {@link ScheduleBody}. */
export type SchedulePatchBody = Partial<ScheduleBody>;

/** Body of `POST /webhooks`: an inbound webhook endpoint and the run each delivery creates. */
export interface WebhookBody {
  key?: string | null;
  /** 1..200 characters. */
  name: string;
  /** A `POST /runs` body without `public_id`; validated against that contract by whoever reads it. */
  run: Record<string, unknown>;
  paused?: boolean;
}

/** Body of `PATCH /webhooks/{id}`: any of `name`, `run`, `paused`. */
export type WebhookPatchBody = Partial<Omit<WebhookBody, 'key'>>;
/** An event a webhook subscription can ask for. */
export type WebhookEventTypeBody = 'run.completed' | 'run.failed' | 'run.cancelled' | 'run.waiting';

/** The runs a webhook subscription is about (null or absent: any). */
export type WebhookFilterBody = { kind?: 'agent' | 'workflow' | 'task' | 'eval' | null; target?: string | null } | null;

/** Body of `POST /webhook-subscriptions`. */
export interface WebhookSubscriptionBody {
  project_id?: string;
  url: string;
  events: WebhookEventTypeBody[];
  filter?: WebhookFilterBody;
}

/** Body of `PATCH /webhook-subscriptions/{id}`. */
export interface WebhookSubscriptionPatchBody {
  url?: string;
  events?: WebhookEventTypeBody[];
  filter?: WebhookFilterBody;
  enabled?: boolean;
}

/** The request bodies of runq's own routes, by schema name in `runq.openapi.yaml`. */
export interface RouteBodies {
  ResumeRunRequest: ResumeRunBody;
  CompleteRunRequest: CompleteRunBody;
  FailRunRequest: FailRunBody;
  WaitRunRequest: WaitRunBody;
  PolicyRequest: PolicyBody;
  ScheduleRequest: ScheduleBody;
  SchedulePatchRequest: SchedulePatchBody;
  WebhookRequest: WebhookBody;
  WebhookPatchRequest: WebhookPatchBody;
  WebhookSubscriptionRequest: WebhookSubscriptionBody;
  WebhookSubscriptionPatchRequest: WebhookSubscriptionPatchBody;
}

const ROUTE_BODIES = [
  'ResumeRunRequest',
  'CompleteRunRequest',
  'FailRunRequest',
  'WaitRunRequest',
  'PolicyRequest',
  'ScheduleRequest',
  'SchedulePatchRequest',
  'WebhookRequest',
  'WebhookPatchRequest',
  'WebhookSubscriptionRequest',
  'WebhookSubscriptionPatchRequest',
] as const satisfies readonly (keyof RouteBodies)[];

// Compiled at import: a schema that does not compile fails at start-up, not on the first request.
// These routes are rare next to POST /runs: the reporting validator alone decides.
const validators = Object.fromEntries(
  ROUTE_BODIES.map((name) => [name, compileSchemaValidator(loadRunqDocument(), `/components/schemas/${name}`, { decide: false })]),
) as { [N in keyof RouteBodies]: (body: unknown) => ValidationResult<RouteBodies[N]> };

/**
 * Validates the body of one of runq's own routes against its schema in `runq.openapi.yaml`,
 * with the same issue format as `POST /runs`.
 *
 * @example const result = validateRouteBody('ResumeRunRequest', body);
 */
export function validateRouteBody<N extends keyof RouteBodies>(name: N, body: unknown): ValidationResult<RouteBodies[N]> {
  return validators[name](body);
}

/**
 * Types of the runq API, generated from its served OpenAPI description by openapi-typescript.
 * Do not edit: run `npm run generate:client`.
 */

export interface paths {
    "/batches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create up to 1,000 runs at once, each validated and created on its own
         * @description Each item is a POST /runs body, checked and created on its own: a rejected item carries the problem a single POST /runs of it would have answered and rejects only itself; an item whose public_id exists is a duplicate with the existing run. Every created run has the batch's id as its batch_id.
         */
        post: operations["createBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/batches/{batch_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                batch_id: components["parameters"]["BatchId"];
            };
            cookie?: never;
        };
        /** A batch's progress, its runs counted by status */
        get: operations["getBatch"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/bulk-actions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel or replay the runs a GET /runs filter matches within a required creation window
         * @description Runs asynchronously in chunks on the workers and survives their restarts; a replay is created once per original run. With dry_run, answers 200 with the number of runs matched and starts nothing. A repeat with the same id, or the same Idempotency-Key header, returns the same action.
         */
        post: operations["createBulkAction"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/bulk-actions/{bulk_action_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                bulk_action_id: components["parameters"]["BulkActionId"];
            };
            cookie?: never;
        };
        /** A bulk action and its progress */
        get: operations["getBulkAction"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/bulk-actions/{bulk_action_id}/abort": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                bulk_action_id: components["parameters"]["BulkActionId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Abort a bulk action; workers stop between chunks */
        post: operations["abortBulkAction"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness (the process is up) */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/hooks/{webhook_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                webhook_id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deliver a webhook (Standard Webhooks signature; no runq credentials) */
        post: operations["deliverWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics of this process */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This API description, in OpenAPI 3.1 */
        get: operations["openApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/policies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the flow-control policies of the caller's projects, with each bucket's use */
        get: operations["listPolicies"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/policies/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["PolicyName"];
            };
            cookie?: never;
        };
        get?: never;
        /** Create or replace a flow-control policy */
        put: operations["putPolicy"];
        post?: never;
        /** Delete a policy; the runs it held are admitted under the policies that remain */
        delete: operations["deletePolicy"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness (Postgres, the queue backend and migrations) */
        get: operations["ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List runs, newest first */
        get: operations["listRuns"];
        put?: never;
        /**
         * Create a canonical durable run
         * @description Creates a canonical durable run for an owner scope and returns the accepted run envelope.
         */
        post: operations["createRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{run_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        /** Read a run */
        get: operations["getRun"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{run_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a run and its descendants */
        post: operations["cancelRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{run_id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Report the result of a run the caller executes */
        post: operations["completeRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{run_id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        /** The run's event log; with Accept text/event-stream, a live stream that ends after a terminal event */
        get: operations["listRunEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{run_id}/fail": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Report the failure of a run the caller executes */
        post: operations["failRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{run_id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a new run from a finished run's stored request
         * @description The new run has trigger_kind manual, trigger_id and metadata.replay_of naming the original, and no public_id. Only a finished (completed, failed or cancelled) run can be replayed.
         */
        post: operations["replayRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{run_id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a waiting run with data */
        post: operations["resumeRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{run_id}/wait": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Report that a run the caller executes is waiting */
        post: operations["waitRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the schedules of the caller's projects, newest first */
        get: operations["listSchedules"];
        put?: never;
        /** Create a schedule */
        post: operations["createSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules/{schedule_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        /** Read a schedule with its state and next fire times */
        get: operations["getSchedule"];
        put?: never;
        post?: never;
        /** Delete a schedule; the runs it created are untouched */
        delete: operations["deleteSchedule"];
        options?: never;
        head?: never;
        /** Change fields of a schedule; its next fire time is recomputed */
        patch: operations["updateSchedule"];
        trace?: never;
    };
    "/schedules/{schedule_id}/occurrences": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        /** A schedule's occurrences, latest first, with what became of each */
        get: operations["listScheduleOccurrences"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules/{schedule_id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop firing until resumed */
        post: operations["pauseSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules/{schedule_id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fire again; the occurrences of the paused span fire only as `missed` says */
        post: operations["resumeSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules/{schedule_id}/trigger": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fire an occurrence now, outside the spec (the overlap policy still applies) */
        post: operations["triggerSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules/by-key/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: components["parameters"]["ScheduleKey"];
            };
            cookie?: never;
        };
        get?: never;
        /** Create or replace the schedule with this key */
        put: operations["putScheduleByKey"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook-subscriptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the webhook subscriptions of the caller's projects, newest first */
        get: operations["listWebhookSubscriptions"];
        put?: never;
        /** Subscribe a URL to run events; the signing secret is in this answer only */
        post: operations["createWebhookSubscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook-subscriptions/{subscription_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                subscription_id: components["parameters"]["SubscriptionId"];
            };
            cookie?: never;
        };
        /** Get a webhook subscription */
        get: operations["getWebhookSubscription"];
        put?: never;
        post?: never;
        /** Delete a webhook subscription and its delivery log */
        delete: operations["deleteWebhookSubscription"];
        options?: never;
        head?: never;
        /** Change a webhook subscription (enabled true re-enables a disabled one) */
        patch: operations["updateWebhookSubscription"];
        trace?: never;
    };
    "/webhook-subscriptions/{subscription_id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                subscription_id: components["parameters"]["SubscriptionId"];
            };
            cookie?: never;
        };
        /** The delivery log of a subscription, newest first */
        get: operations["listWebhookSubscriptionDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhook-subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                delivery_id: string;
                subscription_id: components["parameters"]["SubscriptionId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deliver again (same webhook-id), whatever became of the delivery */
        post: operations["redeliverWebhookDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the inbound webhook endpoints of the caller's projects, newest first */
        get: operations["listWebhooks"];
        put?: never;
        /** Create an inbound webhook endpoint; its signing secret is shown once, in this answer */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{webhook_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                webhook_id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        /** Read an endpoint (never its secret) */
        get: operations["getWebhook"];
        put?: never;
        post?: never;
        /** Delete an endpoint with its secrets and deliveries; the runs it created are untouched */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        /** Change an endpoint's name, run template or paused state */
        patch: operations["updateWebhook"];
        trace?: never;
    };
    "/webhooks/{webhook_id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                webhook_id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        /** What came in to an endpoint and what became of it, latest first */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{webhook_id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                webhook_id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add a new signing secret (shown once); the previous ones keep verifying for 24 hours */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/whoami": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The authenticated caller and the projects its credentials reach */
        get: operations["whoami"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        BatchProgress: {
            /** Format: uuid */
            batch_id: string;
            counts: {
                cancelled: number;
                completed: number;
                failed: number;
                pending: number;
                running: number;
                waiting: number;
            };
            /** @description Every run of the batch has finished */
            done: boolean;
            /** @description Runs the batch created */
            total: number;
        };
        BatchRequest: {
            items: {
                [key: string]: unknown;
            }[];
        };
        BatchResponse: {
            /** Format: uuid */
            batch_id: string;
            items: {
                index: number;
                problem?: components["schemas"]["Problem"];
                run?: components["schemas"]["Run"];
                /** @enum {string} */
                status: "created" | "duplicate" | "rejected";
            }[];
        };
        /** @description What a bucket is keyed on: null (one bucket for every matching run), owner, conversation, target, parent, or metadata.<path>. A run without a value for the key is in no bucket. */
        BucketKey: string | null;
        BulkAction: {
            /** @enum {string} */
            action: "cancel" | "replay";
            /** Format: date-time */
            created_at: string;
            /** @description The last run handled */
            cursor: string | null;
            /** @description Why a failed action stopped (its next chunk failed on every one of 5 passes in a row); while the action is open, the error of the last pass that failed, if the passes since have not succeeded */
            error: string | null;
            failed: number;
            filter: components["schemas"]["BulkActionFilter"];
            /** Format: uuid */
            id: string;
            /** @description Runs the filter matched when the action was created */
            matched: number;
            processed: number;
            /** @enum {string} */
            status: "queued" | "running" | "completed" | "aborted" | "failed";
            succeeded: number;
            /** Format: date-time */
            updated_at: string;
        };
        /** @description The GET /runs filters (as query strings), with the creation window required */
        BulkActionFilter: {
            /** Format: uuid */
            batch_id?: string;
            /** Format: date-time */
            created_after: string;
            /** Format: date-time */
            created_before: string;
            error_code?: string;
            /** @enum {string} */
            kind?: "agent" | "workflow" | "task" | "eval";
            /** Format: uuid */
            owner_id?: string;
            /** @enum {string} */
            owner_kind?: "project" | "conversation";
            parent_run_id?: string;
            root_run_id?: string;
            /** Format: uuid */
            schedule_id?: string;
            /** @enum {string} */
            status?: "pending" | "running" | "waiting" | "completed" | "failed" | "cancelled";
        };
        BulkActionRequest: {
            /** @enum {string} */
            action: "cancel" | "replay";
            dry_run?: boolean;
            filter: components["schemas"]["BulkActionFilter"];
            /**
             * Format: uuid
             * @description The client's id for the action; a repeat returns the same action
             */
            id?: string;
        };
        CompleteRunRequest: {
            artifacts?: unknown[];
            exit_code?: number;
            logs?: string;
            output?: unknown;
        };
        /** @description A duration such as 30s, 15m, 2h or 1d */
        Duration: string;
        FailRunRequest: {
            error: {
                code?: string;
                message: string;
            };
        };
        Policy: {
            /** @description The buckets in use, with the runs holding a slot and the runs held for one */
            buckets: {
                held: number;
                /** @description The key's value for the runs of this bucket ('*' for a policy without a key) */
                key: string;
                limit: number | null;
                running: number;
            }[];
            concurrency: {
                key: string | null;
                limit: number;
                /** @enum {string} */
                strategy: "queue" | "cancel_in_progress" | "cancel_newest";
            } | null;
            /** Format: date-time */
            created_at: string;
            match: {
                kind: string | null;
                target: string | null;
            };
            name: string;
            priority: number;
            /** Format: uuid */
            project_id: string;
            rate: {
                key: string | null;
                max: number;
                per: string;
            } | null;
            ttl: string | null;
            /** Format: date-time */
            updated_at: string;
        };
        PolicyRequest: {
            concurrency?: {
                /** @description What a bucket is keyed on: null (one bucket for every matching run), owner, conversation, target, parent, or metadata.<path>. A run without a value for the key is in no bucket. */
                key?: string | null;
                limit: number;
                /**
                 * @default queue
                 * @enum {string}
                 */
                strategy: "queue" | "cancel_in_progress" | "cancel_newest";
            } | null;
            match?: {
                /** @enum {string|null} */
                kind?: "agent" | "workflow" | "task" | "eval" | null;
                target?: string | null;
            };
            /** @default 0 */
            priority: number;
            /**
             * Format: uuid
             * @description Required when the caller has several projects
             */
            project_id?: string;
            rate?: {
                /** @description What a bucket is keyed on: null (one bucket for every matching run), owner, conversation, target, parent, or metadata.<path>. A run without a value for the key is in no bucket. */
                key?: string | null;
                max: number;
                /** @description A duration such as 30s, 15m, 2h or 1d */
                per: string;
            } | null;
            ttl?: string | null;
        };
        Problem: {
            code?: string;
            detail: string;
            errors?: {
                message: string;
                path: string;
            }[];
            instance?: string;
            request_id?: string;
            status: number;
            title: string;
            type: string;
        };
        ResumeRunRequest: {
            /** @description Any JSON value; the handler reads it as ctx.resume.data */
            data: unknown;
        };
        Run: {
            artifacts: unknown[];
            backoff_limit: number | null;
            /** Format: uuid */
            batch_id: string | null;
            completed_at: string | null;
            config?: unknown;
            created_at: string;
            created_by: string | null;
            duration_ms: number | null;
            error: {
                code?: string;
                message: string;
            } | null;
            exit_code: number | null;
            input?: unknown;
            /** @enum {string} */
            kind: "agent" | "workflow" | "task" | "eval";
            logs: string | null;
            metadata?: unknown;
            output?: unknown;
            owner: {
                /** Format: uuid */
                id: string;
                /** @enum {string} */
                kind: "conversation" | "project";
            };
            parent_run_id: string | null;
            root_run_id: string;
            run_id: string;
            /** Format: uuid */
            runtime_target_branch_id: string | null;
            /** Format: uuid */
            runtime_target_environment_id: string | null;
            /**
             * @description Provide the runtime target kind.
             * @enum {string|null}
             */
            runtime_target_kind: "main_branch" | "environment" | "preview_branch" | null;
            /** Format: uuid */
            schedule_id: string | null;
            start_mode: string | null;
            started_at: string | null;
            /** @enum {string} */
            status: "pending" | "running" | "waiting" | "completed" | "failed" | "cancelled";
            target: string | null;
            timeout_seconds: number | null;
            trigger_id: string | null;
            /** @enum {string|null} */
            trigger_kind: "manual" | "schedule" | "webhook" | "api" | null;
            updated_at: string;
            /** @enum {string|null} */
            waiting_reason: "tool" | "approval" | "event" | "input" | null;
            workflow_id: string | null;
        };
        RunEvent: {
            /** Format: date-time */
            at: string;
            attempt: number;
            data: unknown;
            /** @enum {string|null} */
            from_status: "pending" | "running" | "waiting" | "completed" | "failed" | "cancelled" | null;
            run_id: string;
            seq: number;
            /** @enum {string} */
            to_status: "pending" | "running" | "waiting" | "completed" | "failed" | "cancelled";
        };
        Schedule: {
            catchup_window: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            end_at: string | null;
            /** Format: uuid */
            id: string;
            jitter: string;
            key: string | null;
            max_runs: number | null;
            /** @enum {string} */
            missed: "skip" | "once" | "all";
            /** @enum {string} */
            overlap: "skip" | "buffer_one" | "buffer_all" | "cancel_other" | "allow";
            paused: boolean;
            /** Format: uuid */
            project_id: string;
            /** @description The POST /runs body each occurrence creates a run from */
            run: {
                [key: string]: unknown;
            };
            run_ttl: string | null;
            spec: Record<string, never>;
            /** Format: date-time */
            start_at: string | null;
            state: {
                /** Format: date-time */
                last_fired_at: string | null;
                missed: number;
                /** Format: date-time */
                next_fire_at: string | null;
                runs_created: number;
                skipped: number;
            };
            upcoming: string[];
            /** Format: date-time */
            updated_at: string;
        };
        ScheduleOccurrence: {
            /** Format: date-time */
            fired_at: string;
            /** Format: uuid */
            id: string;
            /** @enum {string} */
            outcome: "created" | "skipped_overlap" | "missed" | "expired";
            run_id: string | null;
            /** Format: date-time */
            scheduled_for: string;
        };
        SchedulePatchRequest: {
            /** @description A duration such as 30s, 15m, 2h or 1d */
            catchup_window?: string;
            /** Format: date-time */
            end_at?: string | null;
            /** @description A duration such as 30s, 15m, 2h or 1d */
            jitter?: string;
            key?: string | null;
            max_runs?: number | null;
            /** @enum {string} */
            missed?: "skip" | "once" | "all";
            /** @enum {string} */
            overlap?: "skip" | "buffer_one" | "buffer_all" | "cancel_other" | "allow";
            paused?: boolean;
            /** @description A POST /runs body (validated against that contract), without public_id */
            run?: {
                [key: string]: unknown;
            };
            run_ttl?: string | null;
            /** @description When the schedule fires: a 5-field cron expression in an IANA time zone (default UTC), a fixed interval from an anchor (default the schedule's creation), or a list of instants. */
            spec?: {
                cron: string;
                /** @default UTC */
                timezone: string;
            } | {
                /** Format: date-time */
                anchor?: string;
                /** @description A duration such as 30s, 15m, 2h or 1d */
                every: string;
            } | {
                at: string[];
            };
            /** Format: date-time */
            start_at?: string | null;
        };
        ScheduleRequest: {
            /** @description A duration such as 30s, 15m, 2h or 1d */
            catchup_window?: string;
            /** Format: date-time */
            end_at?: string | null;
            /** @description A duration such as 30s, 15m, 2h or 1d */
            jitter?: string;
            key?: string | null;
            max_runs?: number | null;
            /**
             * @description Default once
             * @enum {string}
             */
            missed?: "skip" | "once" | "all";
            /**
             * @description Default skip
             * @enum {string}
             */
            overlap?: "skip" | "buffer_one" | "buffer_all" | "cancel_other" | "allow";
            /** @description Default false */
            paused?: boolean;
            /** @description A POST /runs body (validated against that contract), without public_id */
            run: {
                [key: string]: unknown;
            };
            run_ttl?: string | null;
            /** @description When the schedule fires: a 5-field cron expression in an IANA time zone (default UTC), a fixed interval from an anchor (default the schedule's creation), or a list of instants. */
            spec: {
                cron: string;
                /** @default UTC */
                timezone: string;
            } | {
                /** Format: date-time */
                anchor?: string;
                /** @description A duration such as 30s, 15m, 2h or 1d */
                every: string;
            } | {
                at: string[];
            };
            /** Format: date-time */
            start_at?: string | null;
        };
        /** @description When the schedule fires: a 5-field cron expression in an IANA time zone (default UTC), a fixed interval from an anchor (default the schedule's creation), or a list of instants. */
        ScheduleSpec: {
            cron: string;
            /** @default UTC */
            timezone: string;
        } | {
            /** Format: date-time */
            anchor?: string;
            /** @description A duration such as 30s, 15m, 2h or 1d */
            every: string;
        } | {
            at: string[];
        };
        WaitRunRequest: {
            /** @enum {string} */
            reason: "tool" | "approval" | "event" | "input";
            timeout_seconds?: number;
        };
        Webhook: {
            /** Format: date-time */
            created_at: string;
            /** Format: uuid */
            id: string;
            key: string | null;
            name: string;
            paused: boolean;
            /** Format: uuid */
            project_id: string;
            /** @description The POST /runs body each delivery creates a run from */
            run: {
                [key: string]: unknown;
            };
            /** @description The signing secrets that verify deliveries now (never their values) */
            secrets: {
                /** Format: date-time */
                created_at: string;
                /** Format: date-time */
                expires_at: string | null;
            }[];
            /** Format: date-time */
            updated_at: string;
            /** @description Where deliveries go: POST /hooks/{id} */
            url: string;
        };
        /** @description One event for one subscription; its id is the webhook-id of every attempt */
        WebhookDelivery: {
            attempts: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            delivered_at: string | null;
            /** @description Of the last attempt */
            duration_ms: number | null;
            /** Format: uuid */
            id: string;
            last_error: string | null;
            last_status_code: number | null;
            /** Format: date-time */
            next_attempt_at: string | null;
            run_id: string;
            /** @enum {string} */
            state: "pending" | "delivered" | "failed";
            /** @enum {string} */
            type: "run.completed" | "run.failed" | "run.cancelled" | "run.waiting";
        };
        /** @enum {string} */
        WebhookEventType: "run.completed" | "run.failed" | "run.cancelled" | "run.waiting";
        /** @description Only runs of this kind and target (null or absent, any) */
        WebhookFilter: {
            /** @enum {string|null} */
            kind?: "agent" | "workflow" | "task" | "eval" | null;
            target?: string | null;
        } | null;
        WebhookInboundDelivery: {
            /** @description Deliveries refused before verification are counted per reason and minute in one entry */
            count: number;
            errors: {
                message: string;
                path: string;
            }[] | null;
            /** Format: uuid */
            id: string;
            /** @enum {string} */
            outcome: "accepted" | "duplicate" | "rejected";
            reason: string | null;
            /** Format: date-time */
            received_at: string;
            run_id: string | null;
            status_code: number;
            webhook_id: string | null;
        };
        WebhookPatchRequest: {
            name?: string;
            paused?: boolean;
            /** @description A POST /runs body (validated against that contract), without public_id */
            run?: {
                [key: string]: unknown;
            };
        };
        WebhookRequest: {
            key?: string | null;
            name: string;
            /** @description Default false */
            paused?: boolean;
            /** @description A POST /runs body (validated against that contract), without public_id; each delivery becomes its input */
            run: {
                [key: string]: unknown;
            };
        };
        WebhookSubscription: {
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            disabled_at: string | null;
            disabled_reason: string | null;
            enabled: boolean;
            events: ("run.completed" | "run.failed" | "run.cancelled" | "run.waiting")[];
            filter: {
                kind: string | null;
                target: string | null;
            };
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            project_id: string;
            /** Format: date-time */
            updated_at: string;
            url: string;
        };
        WebhookSubscriptionPatchRequest: {
            /** @description true re-enables a subscription disabled after failed deliveries */
            enabled?: boolean;
            events?: ("run.completed" | "run.failed" | "run.cancelled" | "run.waiting")[];
            /** @description Only runs of this kind and target (null or absent, any) */
            filter?: {
                /** @enum {string|null} */
                kind?: "agent" | "workflow" | "task" | "eval" | null;
                target?: string | null;
            } | null;
            url?: string;
        };
        WebhookSubscriptionRequest: {
            events: ("run.completed" | "run.failed" | "run.cancelled" | "run.waiting")[];
            /** @description Only runs of this kind and target (null or absent, any) */
            filter?: {
                /** @enum {string|null} */
                kind?: "agent" | "workflow" | "task" | "eval" | null;
                target?: string | null;
            } | null;
            /**
             * Format: uuid
             * @description Required when the caller has several projects
             */
            project_id?: string;
            /** @description http or https, no credentials, not resolving to a private address */
            url: string;
        };
        Whoami: {
            /** @description The public prefix of the API key (API keys only) */
            key_prefix?: string;
            /**
             * @description The kind of credentials presented
             * @enum {string}
             */
            kind: "api_key" | "jwt";
            /** @description api_key:<prefix> or jwt:<subject>, recorded as created_by on what the caller creates */
            name: string;
            /** @description The projects every read and write of the caller is limited to */
            projects: string[];
        };
    };
    responses: {
        /** @description The bulk action and its progress */
        BulkAction: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["BulkAction"];
            };
        };
        /** @description The policy */
        Policy: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Policy"];
            };
        };
        /** @description An RFC 9457 problem */
        Problem: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A request the HTTP server refuses before any route sees it (malformed 400, too slow 408, headers too large 431), as an RFC 9457 problem */
        RefusedRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The run envelope */
        Run: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Run"];
            };
        };
        /** @description The schedule */
        Schedule: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Schedule"];
            };
        };
        /** @description The webhook endpoint */
        Webhook: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Webhook"];
            };
        };
        /** @description The run the delivery created (202), or the run of an earlier delivery of the same webhook-id (200) */
        WebhookRun: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": {
                    /** Format: uuid */
                    delivery_id: string;
                    /** @description The run; null only on a redelivery whose run was since deleted by retention */
                    run: components["schemas"]["Run"] | null;
                };
            };
        };
        /** @description The subscription */
        WebhookSubscription: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["WebhookSubscription"];
            };
        };
        /** @description The webhook endpoint with its new signing secret (shown only here) */
        WebhookWithSecret: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Webhook"] & {
                    secret: string;
                };
            };
        };
    };
    parameters: {
        BatchId: string;
        BulkActionId: string;
        PolicyName: string;
        RunId: string;
        ScheduleId: string;
        ScheduleKey: string;
        SubscriptionId: string;
        WebhookId: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    createBatch: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BatchRequest"];
            };
        };
        responses: {
            /** @description What became of each item, in order */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchResponse"];
                };
            };
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            413: components["responses"]["Problem"];
        };
    };
    getBatch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                batch_id: components["parameters"]["BatchId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The batch's progress */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchProgress"];
                };
            };
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
        };
    };
    createBulkAction: {
        parameters: {
            query?: never;
            header?: {
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BulkActionRequest"];
            };
        };
        responses: {
            /** @description A dry run's count */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        matched: number;
                    };
                };
            };
            202: components["responses"]["BulkAction"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
        };
    };
    getBulkAction: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                bulk_action_id: components["parameters"]["BulkActionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["BulkAction"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
        };
    };
    abortBulkAction: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                bulk_action_id: components["parameters"]["BulkActionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["BulkAction"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["RefusedRequest"];
            /** @description The process is up */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    deliverWebhook: {
        parameters: {
            query?: never;
            header: {
                "webhook-id": string;
                "webhook-signature": string;
                "webhook-timestamp": string;
            };
            path: {
                webhook_id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": unknown;
            };
        };
        responses: {
            200: components["responses"]["WebhookRun"];
            202: components["responses"]["WebhookRun"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
            413: components["responses"]["Problem"];
            415: components["responses"]["Problem"];
            422: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["RefusedRequest"];
            /** @description Prometheus text exposition of this process's metrics */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    openApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["RefusedRequest"];
            /** @description This document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    listPolicies: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The policies */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["Policy"][];
                    };
                };
            };
            401: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    putPolicy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["PolicyName"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PolicyRequest"];
            };
        };
        responses: {
            200: components["responses"]["Policy"];
            201: components["responses"]["Policy"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            413: components["responses"]["Problem"];
            415: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    deletePolicy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["PolicyName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["RefusedRequest"];
            /** @description Postgres and the queue backend are reachable and migrations are applied */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            503: components["responses"]["Problem"];
        };
    };
    listRuns: {
        parameters: {
            query?: {
                batch_id?: string;
                created_after?: string;
                created_before?: string;
                /** @description next_cursor of the previous page */
                cursor?: string;
                /** @description The code of the run's error (error.code), as the dead letters group failed runs */
                error_code?: string;
                kind?: "agent" | "workflow" | "task" | "eval";
                limit?: number;
                owner_id?: string;
                owner_kind?: "project" | "conversation";
                parent_run_id?: string;
                root_run_id?: string;
                schedule_id?: string;
                status?: "pending" | "running" | "waiting" | "completed" | "failed" | "cancelled";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of runs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["Run"][];
                        next_cursor: string | null;
                    };
                };
            };
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    createRun: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    conversation_id?: string;
                    /** @enum {string} */
                    conversation_mode?: "create_new" | "existing" | "none";
                    /** @enum {string} */
                    kind: "agent";
                    owner: {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        kind: "conversation";
                    } | {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        kind: "project";
                    };
                    parent_run_id?: string;
                    public_id?: string;
                    request: {
                        agent_id: string;
                        /** @description The implementation kind associated with this tool result. */
                        implementation_kind: string;
                        /** @enum {string} */
                        initial_status?: "pending" | "running";
                        /** @enum {string} */
                        mode: "agent";
                        /** Format: uuid */
                        runtime_target_branch_id?: string | null;
                        /** Format: uuid */
                        runtime_target_environment_id?: string | null;
                        /**
                         * @description Provide the runtime target kind.
                         * @enum {string|null}
                         */
                        runtime_target_kind?: "main_branch" | "environment" | "preview_branch" | null;
                        /** Format: uuid */
                        source_target_branch_id?: string | null;
                        /** Format: uuid */
                        source_target_environment_id?: string | null;
                        /** @enum {string|null} */
                        source_target_kind?: "project" | "main_branch" | "environment" | "preview_branch" | "release" | null;
                        source_target_release_version?: string | null;
                        /** @description The worker key associated with this tool result. */
                        worker_key?: string;
                    } | {
                        agent_id: string;
                        /** @enum {string} */
                        initial_status?: "pending" | "running";
                        input?: {
                            active_chat_id?: string;
                            allow_delegation?: boolean;
                            context: {
                                /** Format: uuid */
                                branch_id: string | null;
                                /** Format: uuid */
                                conversation_id?: string;
                                environment_context?: string;
                                /** Format: uuid */
                                project_id: string | null;
                                project_reference?: string | null;
                            };
                            durable_root_run?: {
                                /** Format: uuid */
                                message_id: string;
                                run_id: string;
                            };
                            forwarded_props?: {
                                [key: string]: unknown;
                            };
                            messages: Record<string, never>[];
                            model?: string;
                            runtime_overrides?: {
                                allowed_tools?: string[];
                                max_steps?: number;
                                thinking?: false | number;
                            };
                            tools?: {
                                description?: string;
                                inputSchema?: {
                                    [key: string]: unknown;
                                };
                                name: string;
                                outputSchema?: {
                                    [key: string]: unknown;
                                };
                                parameters?: {
                                    [key: string]: unknown;
                                };
                            }[];
                        };
                        /** @enum {string} */
                        mode: "agent";
                        /** Format: uuid */
                        runtime_target_branch_id?: string | null;
                        /** Format: uuid */
                        runtime_target_environment_id?: string | null;
                        /**
                         * @description Provide the runtime target kind.
                         * @enum {string|null}
                         */
                        runtime_target_kind?: "main_branch" | "environment" | "preview_branch" | null;
                        /** Format: uuid */
                        source_target_branch_id?: string | null;
                        /** Format: uuid */
                        source_target_environment_id?: string | null;
                        /** @enum {string|null} */
                        source_target_kind?: "project" | "main_branch" | "environment" | "preview_branch" | "release" | null;
                        source_target_release_version?: string | null;
                    } | {
                        input: {
                            agent_id: string;
                            /** @default true */
                            allow_delegation?: boolean;
                            /** @default [] */
                            context?: ({
                                text: string;
                                title?: string;
                                /** @enum {string} */
                                type: "text";
                            } | {
                                data: {
                                    [key: string]: unknown;
                                };
                                title?: string;
                                /** @enum {string} */
                                type: "json";
                            } | {
                                mimeType?: string;
                                text?: string;
                                title?: string;
                                /** @enum {string} */
                                type: "resource";
                                uri: string;
                            })[];
                            forwarded_props?: {
                                [key: string]: unknown;
                            };
                            /** @default [] */
                            messages?: unknown[];
                            /**
                             * @description Provide the runtime target kind.
                             * @enum {string|null}
                             */
                            runtime_target_kind?: "main_branch" | "environment" | "preview_branch" | null;
                            /**
                             * @description Provide the source target kind.
                             * @enum {string}
                             */
                            source_target_kind?: "project" | "main_branch" | "environment" | "preview_branch";
                            /** Format: uuid */
                            target_branch_id?: string | null;
                            /** Format: uuid */
                            target_environment_id?: string | null;
                            /** @default [] */
                            tools?: {
                                description?: string;
                                inputSchema?: {
                                    [key: string]: unknown;
                                };
                                name: string;
                                outputSchema?: {
                                    [key: string]: unknown;
                                };
                                parameters?: {
                                    [key: string]: unknown;
                                };
                            }[];
                        };
                        /** @enum {string} */
                        mode: "agent";
                    };
                    trigger?: {
                        /** Format: uuid */
                        conversation_id?: string;
                        /** Format: uuid */
                        message_id?: string;
                        tool_call_id?: string;
                    };
                } | {
                    /** @enum {string} */
                    kind: "workflow";
                    owner: {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        kind: "project";
                    };
                    parent_run_id?: string;
                    public_id?: string;
                    request: {
                        input?: {
                            [key: string]: unknown;
                        };
                        /** Format: uuid */
                        runtime_target_branch_id?: string | null;
                        /** Format: uuid */
                        runtime_target_environment_id?: string | null;
                        /**
                         * @description Provide the runtime target kind.
                         * @enum {string}
                         */
                        runtime_target_kind?: "main_branch" | "environment" | "preview_branch";
                        start_mode?: string;
                        target: string;
                        workflow_id: string;
                    };
                    trigger?: {
                        /** Format: uuid */
                        conversation_id?: string;
                        /** Format: uuid */
                        message_id?: string;
                        tool_call_id?: string;
                    };
                } | {
                    /** @enum {string} */
                    kind: "task";
                    owner: {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        kind: "project";
                    };
                    parent_run_id?: string;
                    public_id?: string;
                    request: {
                        backoff_limit?: number;
                        /**
                         * Format: uuid
                         * @description Batch UUID to group related task runs.
                         */
                        batch_id?: string;
                        config?: {
                            [key: string]: unknown;
                        };
                        /** @description Human-readable task run name. */
                        name?: string;
                        /** Format: uuid */
                        runtime_target_branch_id?: string | null;
                        /** Format: uuid */
                        runtime_target_environment_id?: string | null;
                        /**
                         * @description Provide the runtime target kind.
                         * @enum {string}
                         */
                        runtime_target_kind?: "main_branch" | "environment" | "preview_branch";
                        target: string;
                        timeout_seconds?: number;
                    };
                    trigger?: {
                        /** Format: uuid */
                        conversation_id?: string;
                        /** Format: uuid */
                        message_id?: string;
                        tool_call_id?: string;
                    };
                } | {
                    /** @enum {string} */
                    kind: "eval";
                    owner: {
                        /** Format: uuid */
                        id: string;
                        /** @enum {string} */
                        kind: "project";
                    };
                    parent_run_id?: string;
                    public_id?: string;
                    request: {
                        config?: {
                            [key: string]: unknown;
                        };
                        input?: {
                            [key: string]: unknown;
                        };
                        /** Format: uuid */
                        runtime_target_branch_id?: string | null;
                        /** Format: uuid */
                        runtime_target_environment_id?: string | null;
                        /**
                         * @description Provide the runtime target kind.
                         * @enum {string}
                         */
                        runtime_target_kind?: "main_branch" | "environment" | "preview_branch";
                        start_mode?: string;
                        target: string;
                    };
                    trigger?: {
                        /** Format: uuid */
                        conversation_id?: string;
                        /** Format: uuid */
                        message_id?: string;
                        tool_call_id?: string;
                    };
                };
            };
        };
        responses: {
            /** @description Run accepted */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        accepted: boolean;
                        /** Format: uuid */
                        conversation_id?: string | null;
                        duplicate?: boolean;
                        /** Format: uuid */
                        message_id?: string | null;
                        run: components["schemas"]["Run"];
                    };
                };
            };
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
            413: components["responses"]["Problem"];
            415: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    getRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["Run"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    cancelRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["Run"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    completeRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CompleteRunRequest"];
            };
        };
        responses: {
            200: components["responses"]["Run"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
            413: components["responses"]["Problem"];
            415: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    listRunEvents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The events, oldest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["RunEvent"][];
                    };
                    "text/event-stream": string;
                };
            };
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    failRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FailRunRequest"];
            };
        };
        responses: {
            200: components["responses"]["Run"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
            413: components["responses"]["Problem"];
            415: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    replayRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The new run */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        run: components["schemas"]["Run"];
                    };
                };
            };
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
        };
    };
    resumeRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ResumeRunRequest"];
            };
        };
        responses: {
            200: components["responses"]["Run"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
            413: components["responses"]["Problem"];
            415: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    waitRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                run_id: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WaitRunRequest"];
            };
        };
        responses: {
            200: components["responses"]["Run"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
            413: components["responses"]["Problem"];
            415: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
    listSchedules: {
        parameters: {
            query?: {
                /** @description next_cursor of the previous page */
                cursor?: string;
                kind?: "agent" | "workflow" | "task" | "eval";
                limit?: number;
                paused?: "true" | "false";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of schedules */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["Schedule"][];
                        next_cursor: string | null;
                    };
                };
            };
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
        };
    };
    createSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleRequest"];
            };
        };
        responses: {
            201: components["responses"]["Schedule"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
        };
    };
    getSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["Schedule"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
        };
    };
    deleteSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
        };
    };
    updateSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SchedulePatchRequest"];
            };
        };
        responses: {
            200: components["responses"]["Schedule"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
        };
    };
    listScheduleOccurrences: {
        parameters: {
            query?: {
                /** @description next_cursor of the previous page */
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of occurrences */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["ScheduleOccurrence"][];
                        next_cursor: string | null;
                    };
                };
            };
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
        };
    };
    pauseSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["Schedule"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
        };
    };
    resumeSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["Schedule"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
        };
    };
    triggerSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The run the occurrence created */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        occurrence: components["schemas"]["ScheduleOccurrence"];
                        run: components["schemas"]["Run"];
                    };
                };
            };
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
        };
    };
    putScheduleByKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: components["parameters"]["ScheduleKey"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleRequest"];
            };
        };
        responses: {
            200: components["responses"]["Schedule"];
            201: components["responses"]["Schedule"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
        };
    };
    listWebhookSubscriptions: {
        parameters: {
            query?: {
                /** @description next_cursor of the previous page */
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of subscriptions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["WebhookSubscription"][];
                        next_cursor: string | null;
                    };
                };
            };
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    createWebhookSubscription: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookSubscriptionRequest"];
            };
        };
        responses: {
            /** @description The subscription, with its signing secret (shown once) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSubscription"] & {
                        /** @description Standard Webhooks secret (whsec_...), shown once */
                        secret: string;
                    };
                };
            };
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    getWebhookSubscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                subscription_id: components["parameters"]["SubscriptionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["WebhookSubscription"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    deleteWebhookSubscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                subscription_id: components["parameters"]["SubscriptionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    updateWebhookSubscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                subscription_id: components["parameters"]["SubscriptionId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookSubscriptionPatchRequest"];
            };
        };
        responses: {
            200: components["responses"]["WebhookSubscription"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    listWebhookSubscriptionDeliveries: {
        parameters: {
            query?: {
                /** @description next_cursor of the previous page */
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path: {
                subscription_id: components["parameters"]["SubscriptionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["WebhookDelivery"][];
                        next_cursor: string | null;
                    };
                };
            };
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    redeliverWebhookDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                delivery_id: string;
                subscription_id: components["parameters"]["SubscriptionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The delivery, due now */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDelivery"];
                };
            };
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    listWebhooks: {
        parameters: {
            query?: {
                /** @description next_cursor of the previous page */
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of endpoints */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["Webhook"][];
                        next_cursor: string | null;
                    };
                };
            };
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookRequest"];
            };
        };
        responses: {
            201: components["responses"]["WebhookWithSecret"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            409: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                webhook_id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["Webhook"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                webhook_id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    updateWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                webhook_id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookPatchRequest"];
            };
        };
        responses: {
            200: components["responses"]["Webhook"];
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: {
                /** @description next_cursor of the previous page */
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path: {
                webhook_id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["WebhookInboundDelivery"][];
                        next_cursor: string | null;
                    };
                };
            };
            400: components["responses"]["Problem"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                webhook_id: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["WebhookWithSecret"];
            401: components["responses"]["Problem"];
            404: components["responses"]["Problem"];
            503: components["responses"]["Problem"];
        };
    };
    whoami: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Whoami"];
                };
            };
            401: components["responses"]["Problem"];
            429: components["responses"]["Problem"];
        };
    };
}

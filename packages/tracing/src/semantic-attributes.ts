/**
 * Attribute names of the OpenTelemetry messaging conventions, which are still "development"
 * (incubating): the semantic-conventions package asks users to copy such names rather than
 * import its unstable entry point, so that a rename there cannot change what runq emits.
 * https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/
 */
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';

/** `messaging.system`: BullMQ delivers runq's runs, on Redis or on PostgreSQL. */
export const MESSAGING_SYSTEM = 'bullmq';

/** runq's own attributes, on every span of a run. */
export const ATTR_RUNQ_RUN_ID = 'runq.run_id';
export const ATTR_RUNQ_KIND = 'runq.kind';
export const ATTR_RUNQ_ATTEMPT = 'runq.attempt';
/** On a dispatch span: the run already existed (a replayed `public_id`), so this request created nothing. */
export const ATTR_RUNQ_DUPLICATE = 'runq.duplicate';
/** On a settle span: what the settlement did (`completed`, `retry`, `fail`, `waiting`, `discarded`). */
export const ATTR_RUNQ_OUTCOME = 'runq.outcome';

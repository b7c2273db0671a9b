import { REMOVE, SAMPLE_UUID, OTHER_UUID, setAtPointer, validCreateRunResponse } from './testing.js';
import { validateCreateRunResponse } from './validators.js';

const ENVELOPE_REQUIRED = [
  'run_id',
  'kind',
  'status',
  'owner',
  'parent_run_id',
  'root_run_id',
  'waiting_reason',
  'target',
  'workflow_id',
  'schedule_id',
  'batch_id',
  'runtime_target_kind',
  'runtime_target_environment_id',
  'runtime_target_branch_id',
  'error',
  'logs',
  'artifacts',
  'duration_ms',
  'exit_code',
  'start_mode',
  'timeout_seconds',
  'backoff_limit',
  'trigger_kind',
  'trigger_id',
  'created_by',
  'updated_at',
  'created_at',
  'started_at',
  'completed_at',
];

const STATUSES = ['pending', 'running', 'waiting', 'completed', 'failed', 'cancelled'];

function errorsOf(body: unknown) {
  const result = validateCreateRunResponse(body);
  return result.ok ? [] : result.errors;
}

describe('validateCreateRunResponse', () => {
  it('when the envelope has every required field with nulls where allowed, then it is accepted as the same object', () => {
    const body = validCreateRunResponse();
    expect(validateCreateRunResponse(body)).toEqual({ ok: true, value: body });
    expect(Object.keys(body.run as object).sort()).toEqual([...ENVELOPE_REQUIRED].sort());
  });

  it('when every optional and nullable field is filled in, then it is accepted', () => {
    const body: Record<string, unknown> = {
      ...validCreateRunResponse(),
      duplicate: true,
      conversation_id: SAMPLE_UUID,
      message_id: OTHER_UUID,
    };
    const run = Object.assign(body.run as Record<string, unknown>, {
      kind: 'agent',
      status: 'waiting',
      owner: { kind: 'conversation', id: SAMPLE_UUID },
      parent_run_id: 'run_0',
      waiting_reason: 'approval',
      metadata: { any: ['json'] },
      target: 't',
      workflow_id: 'w',
      schedule_id: SAMPLE_UUID,
      batch_id: OTHER_UUID,
      runtime_target_kind: 'environment',
      runtime_target_environment_id: SAMPLE_UUID,
      runtime_target_branch_id: SAMPLE_UUID,
      input: 'x',
      config: [1],
      output: 3,
      error: { message: 'boom', code: 'timeout' },
      logs: 'line\n',
      artifacts: [null, { a: 1 }, 'x'],
      duration_ms: 1200,
      exit_code: 0,
      start_mode: 'cold',
      timeout_seconds: 60,
      backoff_limit: 2,
      trigger_kind: 'api',
      trigger_id: 'k',
      created_by: 'me',
      started_at: '2026-11-29T04:40:01Z',
      completed_at: '2026-11-29T04:40:02Z',
    });
    expect(run.kind).toBe('agent');
    expect(validateCreateRunResponse(body).ok).toBe(true);
  });

  it('when nullable fields without a type (metadata, input, config, output) are null, then it is accepted', () => {
    const run = { ...(validCreateRunResponse().run as object), metadata: null, input: null, config: null, output: null };
    expect(validateCreateRunResponse({ accepted: false, run, conversation_id: null, message_id: null }).ok).toBe(true);
  });

  it.each(ENVELOPE_REQUIRED)('when run.%s is missing, then exactly one issue says it is required', (field) => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), `/run/${field}`, REMOVE))).toEqual([{ path: `/run/${field}`, message: 'is required' }]);
  });

  it.each(['accepted', 'run'])('when %s is missing from the body, then exactly one issue says it is required', (field) => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), `/${field}`, REMOVE))).toEqual([{ path: `/${field}`, message: 'is required' }]);
  });

  it.each(STATUSES)('when run.status is %s, then it is accepted', (status) => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/run/status', status))).toEqual([]);
  });

  it('when run.status is not a known status, then the issue lists the six statuses', () => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/run/status', 'paused'))).toEqual([
      { path: '/run/status', message: `must be one of: ${STATUSES.map((s) => JSON.stringify(s)).join(', ')}` },
    ]);
  });

  it.each(['batch-7', `urn:uuid:${SAMPLE_UUID}`, 7])('when run.batch_id is %j, then it must be a UUID', (value) => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/run/batch_id', value))).toEqual([
      { path: '/run/batch_id', message: typeof value === 'number' ? 'must be a string or null' : 'must be a UUID' },
    ]);
  });

  it('when run.waiting_reason is unknown, then the issue lists the reasons and null', () => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/run/waiting_reason', 'sleep'))).toEqual([
      { path: '/run/waiting_reason', message: 'must be one of: "tool", "approval", "event", "input", null' },
    ]);
  });

  it('when run.error has no message, then /run/error/message is required', () => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/run/error', { code: 'x' }))).toEqual([{ path: '/run/error/message', message: 'is required' }]);
  });

  it('when run.owner has an unknown kind, then the issue lists conversation and project', () => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/run/owner/kind', 'team'))).toEqual([
      { path: '/run/owner/kind', message: 'must be one of: "conversation", "project"' },
    ]);
  });

  it('when run.created_by is empty or longer than 255, then its length is reported', () => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/run/created_by', ''))).toEqual([{ path: '/run/created_by', message: 'must not be empty' }]);
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/run/created_by', 'u'.repeat(256)))).toEqual([
      { path: '/run/created_by', message: 'must be at most 255 characters long' },
    ]);
  });

  it('when run.duration_ms is fractional, then it must be an integer or null', () => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/run/duration_ms', 1.5))).toEqual([
      { path: '/run/duration_ms', message: 'must be an integer or null' },
    ]);
  });

  it('when the envelope has a property the contract does not list, then it is accepted (no additionalProperties: false)', () => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/run/attempt', 1))).toEqual([]);
  });

  it('when conversation_id is not a UUID, then it must be a UUID', () => {
    expect(errorsOf(setAtPointer(validCreateRunResponse(), '/conversation_id', 'c1'))).toEqual([{ path: '/conversation_id', message: 'must be a UUID' }]);
  });
});

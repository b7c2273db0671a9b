/* Cases for the `request` objects of the workflow, task and eval variants. */
import type { RequestFixture } from '../testing.js';
import { edit, enumCases, freeObjectCases, issue, lengthCases, MSG, requiredCase, unknownPropertyCase, uuidCases, type RequestCase } from './request-case.js';

const RUNTIME_TARGET_KINDS = ['main_branch', 'environment', 'preview_branch'];

/** Runtime target fields: a non-nullable enum here (nullable in agent requests), nullable ids. */
function runtimeTargetCases(f: RequestFixture, id: string): RequestCase[] {
  return [
    ...enumCases(f, '/request/runtime_target_kind', `${id}/runtime_target_kind`, RUNTIME_TARGET_KINDS, false),
    ...uuidCases(f, '/request/runtime_target_environment_id', `${id}/runtime_target_environment_id`, true),
    ...uuidCases(f, '/request/runtime_target_branch_id', `${id}/runtime_target_branch_id`, true),
  ];
}

const workflow: RequestCase[] = [
  requiredCase('workflow', '/request/workflow_id', 'workflow/request'),
  requiredCase('workflow', '/request/target', 'workflow/request'),
  unknownPropertyCase('workflow', '/request', 'workflow/request'),
  ...lengthCases('workflow', '/request/workflow_id', 'workflow/request/workflow_id', { min: 1, max: 255 }),
  ...lengthCases('workflow', '/request/target', 'workflow/request/target', { min: 1, max: 512 }),
  ...runtimeTargetCases('workflow', 'workflow/request'),
  ...freeObjectCases('workflow', '/request/input', 'workflow/request/input'),
  ...lengthCases('workflow', '/request/start_mode', 'workflow/request/start_mode', { min: 1, max: 64 }),
];

const task: RequestCase[] = [
  requiredCase('task', '/request/target', 'task/request'),
  unknownPropertyCase('task', '/request', 'task/request'),
  edit('task', '/request/workflow_id', 'wf', issue('/request/workflow_id', MSG.unknown)),
  ...lengthCases('task', '/request/name', 'task/request/name', { min: 1, max: 255 }),
  ...lengthCases('task', '/request/target', 'task/request/target', { min: 1, max: 512 }),
  ...uuidCases('task', '/request/batch_id', 'task/request/batch_id', false),
  ...runtimeTargetCases('task', 'task/request'),
  ...freeObjectCases('task', '/request/config', 'task/request/config'),
  edit('task', '/request/timeout_seconds', 1, 'valid', 'task/request/timeout_seconds#exclusiveMinimum'),
  edit('task', '/request/timeout_seconds', 0, issue('/request/timeout_seconds', MSG.greaterThan(0)), 'task/request/timeout_seconds#exclusiveMinimum'),
  edit('task', '/request/timeout_seconds', -5, issue('/request/timeout_seconds', MSG.greaterThan(0))),
  edit('task', '/request/timeout_seconds', 1.5, issue('/request/timeout_seconds', MSG.integer)),
  edit('task', '/request/timeout_seconds', '60', issue('/request/timeout_seconds', MSG.integer)),
  edit('task', '/request/backoff_limit', 0, 'valid', 'task/request/backoff_limit#minimum'),
  edit('task', '/request/backoff_limit', 3, 'valid'),
  edit('task', '/request/backoff_limit', -1, issue('/request/backoff_limit', MSG.atLeast(0)), 'task/request/backoff_limit#minimum'),
  edit('task', '/request/backoff_limit', 2.5, issue('/request/backoff_limit', MSG.integer)),
];

const evalCases: RequestCase[] = [
  requiredCase('eval', '/request/target', 'eval/request'),
  unknownPropertyCase('eval', '/request', 'eval/request'),
  ...lengthCases('eval', '/request/target', 'eval/request/target', { min: 1, max: 512 }),
  ...runtimeTargetCases('eval', 'eval/request'),
  ...freeObjectCases('eval', '/request/input', 'eval/request/input'),
  ...freeObjectCases('eval', '/request/config', 'eval/request/config'),
  ...lengthCases('eval', '/request/start_mode', 'eval/request/start_mode', { min: 1, max: 64 }),
];

/** Every case of this file. */
export const workflowTaskEvalCases: readonly RequestCase[] = [...workflow, ...task, ...evalCases];

/*
 * Cases for what the four variants share: `kind`, `owner`, `request` presence, `public_id`,
 * `parent_run_id`, `trigger`, unknown top-level properties; and the agent-only `owner` union,
 * `conversation_mode` and `conversation_id`.
 */
import { OTHER_UUID, REMOVE, SAMPLE_UUID, type RequestFixture } from '../testing.js';
import { edit, enumCases, issue, lengthCases, MSG, requiredCase, unknownPropertyCase, uuidCases, type RequestCase } from './request-case.js';

const KINDS = ['agent', 'workflow', 'task', 'eval'] as const;

/** The fixture used for each variant's shared properties. */
export const VARIANT_FIXTURES: ReadonlyArray<readonly [title: (typeof KINDS)[number], fixture: RequestFixture]> = [
  ['agent', 'agent-runtime'],
  ['workflow', 'workflow'],
  ['task', 'task'],
  ['eval', 'eval'],
];

function sharedCases(v: string, f: RequestFixture): RequestCase[] {
  return [
    { fixture: f, edits: [], expected: 'valid', covers: [`${v}#branch`] },
    edit(f, '/kind', REMOVE, issue('/kind', MSG.requiredOneOf(KINDS)), `${v}#required:kind`),
    edit(f, '/kind', 'nope', issue('/kind', MSG.oneOf(KINDS)), `${v}/kind#enum`),
    edit(f, '/kind', 42, issue('/kind', MSG.oneOf(KINDS)), `${v}/kind#enum`),
    requiredCase(f, '/owner', v),
    requiredCase(f, '/request', v),
    edit(f, '/request', 'x', issue('/request', MSG.object)),
    unknownPropertyCase(f, '', v),
    ...lengthCases(f, '/public_id', `${v}/public_id`, { min: 1, max: 128 }),
    ...lengthCases(f, '/parent_run_id', `${v}/parent_run_id`, { min: 1, max: 128 }),
    edit(f, '/trigger', {}, 'valid'),
    edit(f, '/trigger', 'x', issue('/trigger', MSG.object)),
    ...uuidCases(f, '/trigger/conversation_id', `${v}/trigger/conversation_id`, false),
    ...uuidCases(f, '/trigger/message_id', `${v}/trigger/message_id`, false),
    ...lengthCases(f, '/trigger/tool_call_id', `${v}/trigger/tool_call_id`, { min: 1, max: 128 }),
    unknownPropertyCase(f, '/trigger', `${v}/trigger`),
  ];
}

function projectOwnerCases(v: string, f: RequestFixture): RequestCase[] {
  return [
    ...enumCases(f, '/owner/kind', `${v}/owner/kind`, ['project'], false),
    edit(f, '/owner/kind', 'conversation', issue('/owner/kind', MSG.exactly('project'))),
    requiredCase(f, '/owner/kind', `${v}/owner`),
    requiredCase(f, '/owner/id', `${v}/owner`),
    ...uuidCases(f, '/owner/id', `${v}/owner/id`, false),
    edit(f, '/owner/id', OTHER_UUID, 'valid'),
    unknownPropertyCase(f, '/owner', `${v}/owner`),
    edit(f, '/owner', 'x', issue('/owner', MSG.object)),
  ];
}

const f = 'agent-runtime';
const OWNER_KINDS = ['conversation', 'project'];

const agentOwnerCases: RequestCase[] = [
  edit(f, '/owner', { kind: 'conversation', id: SAMPLE_UUID }, 'valid', 'agent/owner/0#branch'),
  edit(f, '/owner', { kind: 'project', id: OTHER_UUID }, 'valid', 'agent/owner/1#branch'),
  edit(f, '/owner/kind', 'team', issue('/owner/kind', MSG.oneOf(OWNER_KINDS)), 'agent/owner/0/kind#enum', 'agent/owner/1/kind#enum'),
  edit(f, '/owner/kind', REMOVE, issue('/owner/kind', MSG.requiredOneOf(OWNER_KINDS)), 'agent/owner/0#required:kind', 'agent/owner/1#required:kind'),
  edit(f, '/owner', { kind: 'conversation' }, issue('/owner/id', MSG.required), 'agent/owner/0#required:id'),
  edit(f, '/owner', { kind: 'project' }, issue('/owner/id', MSG.required), 'agent/owner/1#required:id'),
  edit(f, '/owner', { kind: 'conversation', id: 'x' }, issue('/owner/id', MSG.uuid), 'agent/owner/0/id#format'),
  edit(f, '/owner', { kind: 'project', id: `urn:uuid:${SAMPLE_UUID}` }, issue('/owner/id', MSG.uuid), 'agent/owner/1/id#format'),
  edit(f, '/owner', { kind: 'conversation', id: SAMPLE_UUID, name: 'x' }, issue('/owner/name', MSG.unknown), 'agent/owner/0#additionalProperties'),
  edit(f, '/owner', { kind: 'project', id: SAMPLE_UUID, name: 'x' }, issue('/owner/name', MSG.unknown), 'agent/owner/1#additionalProperties'),
  edit(f, '/owner', 'x', issue('/owner', MSG.object)),
  ...enumCases(f, '/conversation_mode', 'agent/conversation_mode', ['create_new', 'existing', 'none'], false),
  ...uuidCases(f, '/conversation_id', 'agent/conversation_id', false),
];

/** Every case of this file. */
export const commonCases: readonly RequestCase[] = [
  ...VARIANT_FIXTURES.flatMap(([v, fixture]) => sharedCases(v, fixture)),
  ...VARIANT_FIXTURES.filter(([v]) => v !== 'agent').flatMap(([v, fixture]) => projectOwnerCases(v, fixture)),
  ...agentOwnerCases,
];

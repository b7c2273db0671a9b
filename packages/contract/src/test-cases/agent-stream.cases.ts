/* Cases for the ProjectAgentStreamAgentRequest shape and its context items. */
import { REMOVE } from '../testing.js';
import { toolCases } from './agent-shared.cases.js';
import { edit, enumCases, freeObjectCases, issue, lengthCases, MSG, requiredCase, unknownPropertyCase, uuidCases, type RequestCase } from './request-case.js';

const S = 'agent/request/ProjectAgentStreamAgentRequest';
const f = 'agent-stream';
const input = '/request/input';
const context = `${input}/context`;
const C = `${S}/input/context/[]`;
const ITEM_TYPES = ['text', 'json', 'resource'];

const shapeCases: RequestCase[] = [
  {
    fixture: f,
    edits: [],
    expected: 'valid',
    covers: [`${S}#branch`, `${S}/input/allow_delegation#default`, `${S}/input/messages#default`, `${S}/input/tools#default`, `${S}/input/context#default`],
  },
  ...enumCases(f, '/request/mode', `${S}/mode`, ['agent'], false),
  requiredCase(f, '/request/mode', S),
  // `{ mode: 'agent' }` alone fits no shape; it is as close to the hosted shape (agent_id
  // missing) as to this one (input missing), and a tie goes to the earlier shape.
  edit(f, input, REMOVE, issue('/request/agent_id', MSG.required), `${S}#required:input`),
  unknownPropertyCase(f, '/request', S),
  edit(f, input, 'x', issue(input, MSG.object)),
  unknownPropertyCase(f, input, `${S}/input`),
  requiredCase(f, `${input}/agent_id`, `${S}/input`),
  ...lengthCases(f, `${input}/agent_id`, `${S}/input/agent_id`, { min: 1, max: 128 }),
  ...enumCases(f, `${input}/source_target_kind`, `${S}/input/source_target_kind`, ['project', 'main_branch', 'environment', 'preview_branch'], false),
  edit(
    f,
    `${input}/source_target_kind`,
    'release',
    issue(`${input}/source_target_kind`, MSG.oneOf(['project', 'main_branch', 'environment', 'preview_branch'])),
  ),
  edit(f, `${input}/allow_delegation`, false, 'valid'),
  edit(f, `${input}/allow_delegation`, true, 'valid'),
  edit(f, `${input}/allow_delegation`, null, issue(`${input}/allow_delegation`, 'must be a boolean')),
  edit(f, `${input}/messages`, [], 'valid'),
  // The items are `nullable: true`, yet `maxItems: 0` refuses any item, null included: only
  // the length is reported, not the item's value.
  edit(f, `${input}/messages`, [null], issue(`${input}/messages`, 'must be an empty array'), `${S}/input/messages#maxItems`, `${S}/input/messages/[]#nullable`),
  edit(f, `${input}/messages`, [{ role: 'user' }], issue(`${input}/messages`, 'must be an empty array'), `${S}/input/messages#maxItems`),
  ...toolCases(f, `${input}/tools`, `${S}/input/tools`),
  ...freeObjectCases(f, `${input}/forwarded_props`, `${S}/input/forwarded_props`),
  ...enumCases(f, `${input}/runtime_target_kind`, `${S}/input/runtime_target_kind`, ['main_branch', 'environment', 'preview_branch'], true),
  ...uuidCases(f, `${input}/target_environment_id`, `${S}/input/target_environment_id`, true),
  ...uuidCases(f, `${input}/target_branch_id`, `${S}/input/target_branch_id`, true),
];

const item = (value: unknown, expected: RequestCase['expected'], ...covers: string[]) => edit(f, context, [value], expected, ...covers);
const at = (path: string, message: string) => issue(`${context}/0/${path}`, message);
const long = (length: number) => 'x'.repeat(length);

const contextCases: RequestCase[] = [
  edit(f, context, [], 'valid'),
  edit(f, context, { type: 'text', text: 'x' }, issue(context, 'must be an array')),
  item({ type: 'text', text: 'Be brief.' }, 'valid', `${C}/0#branch`),
  item({ type: 'json', data: { plan: 'pro', seats: null } }, 'valid', `${C}/1#branch`, `${C}/1/data/*#nullable`),
  item({ type: 'resource', uri: 'file:///docs/a.md' }, 'valid', `${C}/2#branch`),
  item({ type: 'text', text: 'x', extra: 1 }, 'valid'),
  item('x', issue(`${context}/0`, MSG.object)),
  item({ type: 'nope', text: 'x' }, at('type', MSG.oneOf(ITEM_TYPES)), `${C}/0/type#enum`, `${C}/1/type#enum`, `${C}/2/type#enum`),
  item({ text: 'x' }, at('type', MSG.requiredOneOf(ITEM_TYPES)), `${C}/0#required:type`, `${C}/1#required:type`, `${C}/2#required:type`),
  item({ type: 'text' }, at('text', MSG.required), `${C}/0#required:text`),
  item({ type: 'json' }, at('data', MSG.required), `${C}/1#required:data`),
  item({ type: 'json', data: [] }, at('data', MSG.object)),
  item({ type: 'resource' }, at('uri', MSG.required), `${C}/2#required:uri`),
  item({ type: 'text', text: 'x', title: long(256) }, 'valid'),
  item({ type: 'text', text: 'x', title: long(257) }, at('title', MSG.maxLength(256)), `${C}/0/title#maxLength`),
  item({ type: 'text', text: long(16384) }, 'valid'),
  item({ type: 'text', text: long(16385) }, at('text', MSG.maxLength(16384)), `${C}/0/text#maxLength`),
  item({ type: 'json', data: {}, title: long(256) }, 'valid'),
  item({ type: 'json', data: {}, title: long(257) }, at('title', MSG.maxLength(256)), `${C}/1/title#maxLength`),
  item({ type: 'resource', uri: long(2048), title: long(256), mimeType: long(256), text: long(16384) }, 'valid'),
  item({ type: 'resource', uri: 'u', title: long(257) }, at('title', MSG.maxLength(256)), `${C}/2/title#maxLength`),
  item({ type: 'resource', uri: long(2049) }, at('uri', MSG.maxLength(2048)), `${C}/2/uri#maxLength`),
  item({ type: 'resource', uri: 'u', mimeType: long(257) }, at('mimeType', MSG.maxLength(256)), `${C}/2/mimeType#maxLength`),
  item({ type: 'resource', uri: 'u', text: long(16385) }, at('text', MSG.maxLength(16384)), `${C}/2/text#maxLength`),
  edit(f, context, [{ type: 'text', text: 'ok' }, { type: 'json' }], issue(`${context}/1/data`, MSG.required)),
  edit(
    f,
    context,
    Array.from({ length: 10 }, () => ({ type: 'text', text: 't' })),
    'valid',
  ),
  edit(
    f,
    context,
    Array.from({ length: 11 }, () => ({ type: 'text', text: 't' })),
    issue(context, MSG.maxItems(10)),
    `${S}/input/context#maxItems`,
  ),
];

/** Every case of this file. */
export const streamCases: readonly RequestCase[] = [...shapeCases, ...contextCases];

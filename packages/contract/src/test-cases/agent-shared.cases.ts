/*
 * Case builders for parts the agent request shapes share: the target fields of the runtime
 * and hosted shapes, and the `tools` array of the hosted and stream inputs.
 */
import type { RequestFixture } from '../testing.js';
import { edit, enumCases, issue, lengthCases, MSG, requiredCase, uuidCases, type RequestCase } from './request-case.js';

const RUNTIME_TARGET_KINDS = ['main_branch', 'environment', 'preview_branch'];
const SOURCE_TARGET_KINDS = ['project', 'main_branch', 'environment', 'preview_branch', 'release'];

/** `mode`, `agent_id`, `initial_status` and the nullable source/runtime target fields. */
export function agentTargetCases(f: RequestFixture, id: string): RequestCase[] {
  return [
    ...enumCases(f, '/request/mode', `${id}/mode`, ['agent'], false),
    requiredCase(f, '/request/mode', id),
    requiredCase(f, '/request/agent_id', id),
    ...lengthCases(f, '/request/agent_id', `${id}/agent_id`, { min: 1 }),
    edit(f, '/request/agent_id', 'a'.repeat(1000), 'valid'),
    ...enumCases(f, '/request/initial_status', `${id}/initial_status`, ['pending', 'running'], false),
    ...enumCases(f, '/request/source_target_kind', `${id}/source_target_kind`, SOURCE_TARGET_KINDS, true),
    ...uuidCases(f, '/request/source_target_environment_id', `${id}/source_target_environment_id`, true),
    ...uuidCases(f, '/request/source_target_branch_id', `${id}/source_target_branch_id`, true),
    ...lengthCases(f, '/request/source_target_release_version', `${id}/source_target_release_version`, { min: 1, max: 128 }),
    edit(f, '/request/source_target_release_version', null, 'valid', `${id}/source_target_release_version#nullable`),
    ...enumCases(f, '/request/runtime_target_kind', `${id}/runtime_target_kind`, RUNTIME_TARGET_KINDS, true),
    edit(f, '/request/runtime_target_kind', 5, issue('/request/runtime_target_kind', MSG.oneOf([...RUNTIME_TARGET_KINDS, null]))),
    ...uuidCases(f, '/request/runtime_target_environment_id', `${id}/runtime_target_environment_id`, true),
    ...uuidCases(f, '/request/runtime_target_branch_id', `${id}/runtime_target_branch_id`, true),
  ];
}

const TOOL_NAME_PATTERN = '^[a-zA-Z][a-zA-Z0-9._:-]*$';

/** The `tools` array at `p`: items, their `name` rules, free-form schemas, `maxItems: 50`. */
export function toolCases(f: RequestFixture, p: string, id: string): RequestCase[] {
  const tools = (count: number) => Array.from({ length: count }, (_, index) => ({ name: `tool${index}` }));
  const one = (tool: unknown, expected: RequestCase['expected'], ...covers: string[]) => edit(f, p, [tool], expected, ...covers);
  return [
    one({ name: 'search' }, 'valid'),
    one({ name: 'search', extra: true }, 'valid'),
    one('search', issue(`${p}/0`, MSG.object)),
    one({}, issue(`${p}/0/name`, MSG.required), `${id}/[]#required:name`),
    one({ name: 'a.b_c:d-1' }, 'valid', `${id}/[]/name#pattern`),
    one({ name: '9lives' }, issue(`${p}/0/name`, MSG.pattern(TOOL_NAME_PATTERN)), `${id}/[]/name#pattern`),
    one({ name: 'has space' }, issue(`${p}/0/name`, MSG.pattern(TOOL_NAME_PATTERN)), `${id}/[]/name#pattern`),
    one(
      { name: '' },
      [
        { path: `${p}/0/name`, message: MSG.notEmpty },
        { path: `${p}/0/name`, message: MSG.pattern(TOOL_NAME_PATTERN) },
      ],
      `${id}/[]/name#minLength`,
    ),
    one({ name: 'a'.repeat(128) }, 'valid'),
    one({ name: 'a'.repeat(129) }, issue(`${p}/0/name`, MSG.maxLength(128)), `${id}/[]/name#maxLength`),
    one({ name: 't', description: 'd'.repeat(1024) }, 'valid'),
    one({ name: 't', description: 'd'.repeat(1025) }, issue(`${p}/0/description`, MSG.maxLength(1024)), `${id}/[]/description#maxLength`),
    ...(['parameters', 'inputSchema', 'outputSchema'] as const).flatMap((key) => [
      one({ name: 't', [key]: { type: 'object', nothing: null } }, 'valid', `${id}/[]/${key}/*#nullable`),
      one({ name: 't', [key]: [] }, issue(`${p}/0/${key}`, MSG.object)),
    ]),
    edit(f, p, [], 'valid'),
    edit(f, p, tools(50), 'valid'),
    edit(f, p, tools(51), issue(p, MSG.maxItems(50)), `${id}#maxItems`),
    edit(f, p, { name: 'search' }, issue(p, 'must be an array')),
  ];
}

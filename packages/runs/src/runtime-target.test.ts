import { parseRuntimeTarget, parseTargetHoldBucket, runtimeTargetOf, targetHoldBucket } from './runtime-target.js';

const ENV = '6f1c1b2e-3d4a-4b5c-8d6e-7f8091a2b3c4';

describe('runtime targets', () => {
  it.each([
    [{ runtime_target_kind: null, runtime_target_environment_id: null, runtime_target_branch_id: null }, 'main_branch'],
    [{ runtime_target_kind: 'main_branch', runtime_target_environment_id: ENV, runtime_target_branch_id: null }, 'main_branch'],
    [{ runtime_target_kind: 'environment', runtime_target_environment_id: ENV.toUpperCase(), runtime_target_branch_id: null }, `environment:${ENV}`],
    [{ runtime_target_kind: 'preview_branch', runtime_target_environment_id: null, runtime_target_branch_id: ENV }, `preview_branch:${ENV}`],
    [{ runtime_target_kind: 'environment', runtime_target_environment_id: null, runtime_target_branch_id: null }, 'environment'],
  ])('when a run has the target columns %j, then its target is %s', (run, target) => {
    expect(runtimeTargetOf(run)).toBe(target);
  });

  it.each([
    ['main_branch', 'main_branch'],
    [`environment:${ENV}`, `environment:${ENV}`],
    [` Preview_Branch:${ENV.toUpperCase()} `, `preview_branch:${ENV}`],
  ])('when --runtime-target is %s, then the worker serves %s', (text, target) => {
    expect(parseRuntimeTarget(text)).toEqual({ target });
  });

  it.each(['', 'environment', 'environment:not-a-uuid', `branch:${ENV}`, `environment:${ENV}:x`])('when --runtime-target is %j, then it is refused', (text) => {
    expect(parseRuntimeTarget(text)).toEqual({ error: expect.stringContaining('must be main_branch, environment:<uuid> or preview_branch:<uuid>') });
  });

  it('when a hold bucket is built for a kind and target, then it reads back as them and no other bucket does', () => {
    expect(parseTargetHoldBucket(targetHoldBucket('task', `environment:${ENV}`))).toEqual({ kind: 'task', target: `environment:${ENV}` });
    expect(parseTargetHoldBucket(`${ENV}/owner`)).toBeUndefined();
  });
});

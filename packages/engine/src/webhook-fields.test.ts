import { deliveryPublicId, deliveryRunBody, templateIssues } from './webhook-fields.js';

const owner = { kind: 'project', id: '0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a11' };
const endpointId = '5f0c1c59-3c55-4f55-9d0e-8c1d8c0b3a77';

describe('webhook run bodies', () => {
  it('when the same webhook-id comes to one endpoint, then the public_id is the same, and differs for another id or endpoint, within the contract’s 128 characters', () => {
    const id = deliveryPublicId(endpointId, 'msg_1');
    expect(deliveryPublicId(endpointId, 'msg_1')).toBe(id);
    expect(deliveryPublicId(endpointId, 'msg_2')).not.toBe(id);
    expect(deliveryPublicId('6f0c1c59-3c55-4f55-9d0e-8c1d8c0b3a77', 'msg_1')).not.toBe(id);
    expect(deliveryPublicId(endpointId, 'x'.repeat(10_000)).length).toBeLessThanOrEqual(128);
  });

  it('when a delivery is merged into a template, then its body is the input (a task’s config) and the template is untouched', () => {
    const workflow = { kind: 'workflow', owner, request: { workflow_id: 'w', target: 't', input: { old: true } } };
    const merged = deliveryRunBody(workflow, { ref: 'main' }, 'p');
    expect(merged).toEqual({ ok: true, value: { ...workflow, public_id: 'p', request: { ...workflow.request, input: { ref: 'main' } } } });
    expect(workflow.request.input).toEqual({ old: true });
    const task = deliveryRunBody({ kind: 'task', owner, request: { target: 't' } }, { width: 640 }, 'p');
    expect(task.ok && task.value.request).toEqual({ target: 't', config: { width: 640 } });
  });

  it('when the merged body breaks the contract, then every issue is returned', () => {
    const merged = deliveryRunBody({ kind: 'workflow', owner, request: { workflow_id: 'w', target: 't' } }, [1, 2], 'p');
    expect(merged.ok).toBe(false);
    expect(!merged.ok && merged.errors.some((issue) => issue.path.startsWith('/request/input'))).toBe(true);
  });

  it('when a template names a public_id or misses a field, then each issue is reported under /run', () => {
    expect(templateIssues({ kind: 'task', owner, request: { target: 't' } })).toEqual([]);
    const issues = templateIssues({ kind: 'task', owner, request: {}, public_id: 'fixed' });
    expect(issues.map((issue) => issue.path)).toContain('/run/public_id');
    expect(issues.every((issue) => issue.path.startsWith('/run'))).toBe(true);
    expect(issues.length).toBeGreaterThan(1);
  });
});

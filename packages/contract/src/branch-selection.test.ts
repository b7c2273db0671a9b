import { chooseBranch } from './branch-selection.js';
import { createContractAjv } from './contract-ajv.js';
import { toValidationIssues } from './validation-issues.js';

const none = { structural: 0, total: 0 };
const count = (structural: number, total: number) => ({ structural, total });
const object = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required });

describe('chooseBranch', () => {
  it("when only one branch admits the value's type, then that branch is chosen whatever the counts", () => {
    const branches = [{ type: 'boolean' }, { type: 'integer' }];
    expect(chooseBranch(branches, 0, '/n', [count(0, 0), count(5, 9)])).toEqual({ index: 1 });
  });

  it("when no branch admits the value's type, then one issue names the accepted types", () => {
    const branches = [{ type: 'boolean' }, { type: ['string', 'null'] }];
    expect(chooseBranch(branches, 3, '/n', [none, none])).toEqual({ issues: [{ path: '/n', message: 'must be a boolean, a string or null' }] });
  });

  it('when branches are told apart by a const, then the value picks its branch', () => {
    const branches = [object({ t: { const: 'a' } }, ['t']), object({ t: { const: 'b' } }, ['t'])];
    expect(chooseBranch(branches, { t: 'b' }, '/x', [count(0, 0), count(3, 3)])).toEqual({ index: 1 });
  });

  it('when a discriminator value is unknown below the root, then one issue is reported at it and no root hint', () => {
    const branches = [object({ t: { enum: ['a'] } }, ['t']), object({ t: { enum: ['b'] } }, ['t'])];
    expect(chooseBranch(branches, { t: 'c' }, '/x', [none, none])).toEqual({ issues: [{ path: '/x/t', message: 'must be one of: "a", "b"' }] });
    expect(chooseBranch(branches, 'c', '/x', [none, none])).toEqual({ issues: [{ path: '/x', message: 'must be an object' }] });
  });

  it('when branches share a one-value enum, then it is not taken for a discriminator', () => {
    const branches = [object({ mode: { enum: ['m'] }, a: {} }, ['mode']), object({ mode: { enum: ['m'] }, b: {} }, ['mode'])];
    expect(chooseBranch(branches, { mode: 'x' }, '', [count(1, 1), count(0, 1)])).toEqual({ index: 1 });
  });

  it('when a nested property is declared by one branch only, then its presence picks that branch over fewer errors', () => {
    const branches = [object({ input: object({ a: {} }) }), object({ input: object({ b: {} }) })];
    expect(chooseBranch(branches, { input: { b: 1 } }, '', [count(0, 1), count(2, 4)])).toEqual({ index: 1 });
  });

  it('when two branches carry a signature, then the closer of the two is chosen', () => {
    const branches = [object({ a: {} }), object({ b: {} }), object({ c: {} })];
    expect(chooseBranch(branches, { b: 1, c: 1 }, '', [none, count(2, 2), count(1, 3)])).toEqual({ index: 2 });
  });

  it('when structural errors differ, then they decide before the total', () => {
    const branches = [object({ a: {} }), object({ b: {} })];
    expect(chooseBranch(branches, {}, '', [count(2, 2), count(0, 3)])).toEqual({ index: 1 });
  });

  it('when the counts tie, then the first branch in document order is chosen', () => {
    const branches = [object({ a: {} }), object({ b: {} })];
    expect(chooseBranch(branches, {}, '', [count(1, 1), count(1, 1)])).toEqual({ index: 0 });
  });
});

describe('toValidationIssues', () => {
  const ajv = createContractAjv();

  it('when a oneOf matches twice, then its own error is kept and reads naturally', () => {
    const validate = ajv.compile({ type: 'object', properties: { n: { oneOf: [{ type: 'integer' }, { type: 'number' }] } } });
    expect(validate({ n: 1 })).toBe(false);
    expect(toValidationIssues(validate.errors ?? [])).toEqual([{ path: '/n', message: 'matches more than one of the allowed shapes' }]);
  });

  it('when property names contain / or ~, then the pointers escape them', () => {
    const validate = ajv.compile({ type: 'object', properties: { 'a/b': { type: 'string' } }, required: ['a/b'], additionalProperties: false });
    expect(validate({ 'c~d': 1 })).toBe(false);
    expect(toValidationIssues(validate.errors ?? [])).toEqual([
      { path: '/a~1b', message: 'is required' },
      { path: '/c~0d', message: 'is not allowed (unknown property)' },
    ]);
  });

  it('when Ajv reports no error, then one root issue is still returned', () => {
    expect(toValidationIssues([])).toEqual([{ path: '', message: 'is invalid' }]);
  });
});

import { defineHandlers } from './define-handlers.js';
import { HandlerModuleError, isWaitRequest, waitRequest } from './handler-module.js';

describe('defineHandlers', () => {
  it('when the module is well formed, then it is returned unchanged', () => {
    const handlers = { task: { a: () => ({ output: 1 }) } };
    expect(defineHandlers(handlers)).toBe(handlers);
  });

  it.each([
    [{ tasks: {} }, '"tasks" is not a run kind'],
    [{ task: [] }, '"task" must be an object'],
    [{ task: { a: 'nope' } }, 'task["a"] must be a function (got string)'],
  ])('when the module is %j, then it is refused naming the problem', (module, message) => {
    expect(() => defineHandlers(module as never)).toThrow(HandlerModuleError);
    expect(() => defineHandlers(module as never)).toThrow(message);
  });

  it('when ctx.wait is used, then it builds a wait request only for known reasons and positive timeouts', () => {
    expect(isWaitRequest(waitRequest('approval', { timeoutSeconds: 5 }))).toBe(true);
    expect(isWaitRequest({ reason: 'approval' })).toBe(false);
    expect(() => waitRequest('later' as never)).toThrow(TypeError);
    expect(() => waitRequest('tool', { timeoutSeconds: 0 })).toThrow(TypeError);
  });
});

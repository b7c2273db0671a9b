import { openTracing } from './open-tracing.js';
import { NO_TRACING } from './run-tracing.js';

describe('openTracing', () => {
  it('when no settings are given (no OTLP endpoint), then it is the no-op tracing, whose calls record nothing', async () => {
    const tracing = await openTracing(undefined, 'runq-api');
    expect(tracing).toBe(NO_TRACING);
    expect(tracing.enabled).toBe(false);
    expect(tracing.startDispatch('task')).toBeUndefined();
    expect(tracing.startAttempt({ runId: 'r', kind: 'task', attempt: 1, jobId: 'r', traceparent: null, claimStartedAt: 0 })).toBeUndefined();
    let handled = false;
    await tracing.traceHttpRequest(
      { method: 'GET', path: '/', scheme: 'http', headers: {} },
      async () => {
        handled = true;
      },
      () => ({ status: 200, route: undefined }),
    );
    expect(handled).toBe(true);
  });
});

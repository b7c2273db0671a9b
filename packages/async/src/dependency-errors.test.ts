import { isDependencyUnavailable } from './dependency-errors.js';

describe('dependency errors', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a server shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a transaction whose connection broke between statements', new Error('Client has encountered a connection error and is not queryable')],
    ['a closed Redis connection', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
  ])('when the error is %s, then it means a dependency is unavailable (503)', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })],
    ['a deadlock', Object.assign(new Error('deadlock detected'), { code: '40P01' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'text'],
  ])('when the error is %s, then it is not a dependency outage', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});

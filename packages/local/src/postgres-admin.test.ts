import { InvalidDatabaseNameError } from './errors.js';
import { quoteIdentifier } from './postgres-admin.js';

describe('quoteIdentifier', () => {
  it('when a name is plain, then it is wrapped in double quotes', () => {
    expect(quoteIdentifier('test_abc')).toBe('"test_abc"');
  });

  it('when a name contains double quotes, then they are doubled', () => {
    expect(quoteIdentifier('a"b; DROP DATABASE x; --')).toBe('"a""b; DROP DATABASE x; --"');
  });

  it('when a name is empty, contains NUL or exceeds 63 bytes, then it is refused', () => {
    for (const name of ['', 'a\0b', 'x'.repeat(64), 'é'.repeat(32)]) {
      expect(() => quoteIdentifier(name)).toThrow(InvalidDatabaseNameError);
    }
    expect(quoteIdentifier('x'.repeat(63))).toBe(`"${'x'.repeat(63)}"`);
  });
});

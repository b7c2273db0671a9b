import { configErrorOf } from '@runq/config/testing';
import { loadApiConfig } from './config.js';

const BASE = { DATABASE_URL: 'postgres://runq@127.0.0.1:5432/runq' };

describe('RUNQ_TRUST_PROXY', () => {
  it('when it is unset or blank, then nobody is trusted', () => {
    expect(loadApiConfig(BASE).trustProxy).toEqual({ kind: 'none' });
    expect(loadApiConfig({ ...BASE, RUNQ_TRUST_PROXY: ' ' }).trustProxy).toEqual({ kind: 'none' });
  });

  it('when it is a hop count or a list of ranges, then it is read as one', () => {
    expect(loadApiConfig({ ...BASE, RUNQ_TRUST_PROXY: '1' }).trustProxy).toEqual({ kind: 'hops', hops: 1 });
    expect(loadApiConfig({ ...BASE, RUNQ_TRUST_PROXY: '10.0.0.0/8,fd00::/8' }).trustProxy).toEqual({
      kind: 'ranges',
      ranges: [
        { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
        { address: 'fd00::', prefix: 8, family: 'ipv6' },
      ],
    });
  });

  it.each(['-1', 'nginx', '10.0.0.0/8,nginx', '10.0.0.0/40'])('when it is %j, then the start fails with one line naming it', (value) => {
    const error = configErrorOf(() => loadApiConfig({ ...BASE, RUNQ_TRUST_PROXY: value }));
    expect(error.variable).toBe('RUNQ_TRUST_PROXY');
    expect(error.message).toMatch(/^RUNQ_TRUST_PROXY (must be a hop count|has an entry that is not an IP address or CIDR range)[^\n]*$/);
  });
});

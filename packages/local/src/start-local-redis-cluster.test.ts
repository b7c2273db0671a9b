import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startLocalRedisCluster, type LocalRedisCluster } from './start-local-redis-cluster.js';
import { isPortOpen, pingRedis } from './testing.js';

describe('startLocalRedisCluster', () => {
  let workDir: string;
  let cluster: LocalRedisCluster | undefined;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'runq-local-redis-cluster-'));
    cluster = await startLocalRedisCluster({ dir: workDir });
  });

  afterAll(async () => {
    await cluster?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('when the cluster is started, then three masters on loopback answer and every one reports cluster_state:ok with all 16384 slots', async () => {
    const { nodes } = cluster!;
    expect(nodes).toHaveLength(3);
    expect(cluster!.url).toBe(`redis+cluster://${nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`);
    for (const node of nodes) {
      expect(await pingRedis(node.port)).toBe('+PONG');
      const info = await cluster!.cli(node.port, 'cluster', 'info');
      expect(info).toMatch(/cluster_state:ok/);
      expect(info).toMatch(/cluster_slots_assigned:16384/);
      expect(info).toMatch(/cluster_known_nodes:3/);
    }
    const masters = (await cluster!.cli(nodes[0]!.port, 'cluster', 'nodes')).split('\n').filter((line) => line.includes('master'));
    expect(masters).toHaveLength(3);
  });

  it('when keys share a hash tag, then they hash to one slot, and keys without one spread over the masters', async () => {
    const port = cluster!.nodes[0]!.port;
    const slot = async (key: string) => Number((await cluster!.cli(port, 'cluster', 'keyslot', key)).trim());
    const tagged = await Promise.all(['{runq}:task:wait', '{runq}:agent:meta', '{runq}:task:123'].map(slot));
    expect(new Set(tagged).size).toBe(1);
    const untagged = await Promise.all(['runq:task:wait', 'runq:agent:meta', 'runq:task:123'].map(slot));
    expect(new Set(untagged).size).toBeGreaterThan(1);
  });

  it('when the cluster is stopped, then every node port is closed', async () => {
    const ports = cluster!.nodes.map((node) => node.port);
    await cluster!.stop();
    await cluster!.stop(); // idempotent
    for (const port of ports) expect(await isPortOpen(port)).toBe(false);
  });
});

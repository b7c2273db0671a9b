import { rm } from 'node:fs/promises';
import type { HarnessHandles } from './harness-env';

/** Stops the servers started by the global setup and removes their files. */
export default async function globalTeardown(): Promise<void> {
  const handles = (globalThis as { __runqHarness?: HarnessHandles }).__runqHarness;
  if (!handles) return;
  await Promise.allSettled([handles.postgres.stop(), handles.redis.stop(), handles.redisCluster.stop()]);
  await rm(handles.dir, { recursive: true, force: true });
}

import { API_SHUTDOWN_DEADLINE_MS, loadApiConfig, startApi } from '@runq/api';
import { createLogger, type Env } from '@runq/config';
import { onShutdown } from '../shutdown.js';

/** `runq api`: the API only, configured from the environment; stops on SIGINT/SIGTERM. */
export async function apiCommand(env: Env): Promise<number> {
  const config = loadApiConfig(env);
  const log = createLogger({ level: config.logLevel, service: 'api' });
  const api = await startApi(config, log);
  onShutdown({ stages: () => api.shutdownStages, deadlineMs: API_SHUTDOWN_DEADLINE_MS, log });
  return 0;
}

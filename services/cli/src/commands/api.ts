import { loadApiConfig, startApi } from '@runq/api';
import { createLogger, type Env } from '@runq/config';
import { onShutdown } from '../shutdown.js';

/** `runq api`: the API only, configured from the environment; stops on SIGINT/SIGTERM. */
export async function apiCommand(env: Env): Promise<number> {
  const config = loadApiConfig(env);
  const log = createLogger({ level: config.logLevel, service: 'api' });
  const api = await startApi(config, log);
  onShutdown(() => api.close(), (line) => log.info(line));
  return 0;
}

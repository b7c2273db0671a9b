/**
 * Runs `stop` once on SIGINT or SIGTERM, then lets the process exit. A second signal while
 * stopping exits at once, so an impatient Ctrl-C always works.
 */
export function onShutdown(stop: (signal: NodeJS.Signals) => Promise<void>, log: (line: string) => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`received ${signal} again; exiting now`);
      process.exit(130);
    }
    stopping = true;
    log(`received ${signal}; shutting down`);
    stop(signal).then(
      () => {
        process.exitCode ??= 0;
      },
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

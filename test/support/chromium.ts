import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's own build: Playwright's browser download needs the open internet, Debian's archive is reachable. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Path of Debian's chromium, installed with apt on first use (tests run as root). The package and its libraries are a
 * few hundred MB, hence the long timeouts.
 */
export async function ensureChromium(log: (line: string) => void = () => {}): Promise<string> {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  log(`Installing chromium with apt-get (${CHROMIUM_PATH} is missing) ...`);
  // Without this a non-interactive install can stop at a debconf question.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = { env, maxBuffer: 64 * 1024 * 1024 };
  try {
    await run('apt-get', ['update'], { ...options, timeout: 5 * 60_000 });
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
      ...options,
      timeout: 15 * 60_000,
    });
  } catch (err) {
    throw new Error(
      `could not install chromium with apt-get (needs root and Debian's package archive): ${(err as Error).message}`,
    );
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`chromium installed, but ${CHROMIUM_PATH} is missing`);
  return CHROMIUM_PATH;
}

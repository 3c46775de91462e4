/**
 * Finds the Chromium (or Chrome) the console's browser tests drive through
 * playwright-core, which downloads no browser of its own.
 */
import { accessSync, constants, statSync } from 'node:fs';

/** Where Chromium or Chrome is installed by Debian, Ubuntu, snap and macOS, in the order tried. */
export const CHROMIUM_PATHS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** True when `path` is an executable file; injectable so tests need no browser. */
export type ExecutableProbe = (path: string) => boolean;

/** The real probe: the path exists and this process may execute it. */
export const isExecutable: ExecutableProbe = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile(); // a directory is 'executable' too
  } catch {
    return false;
  }
};

/**
 * The browser to launch: `CHROME_PATH` when set (it must be executable), else the
 * first of {@link CHROMIUM_PATHS} found. Throws, saying how to get one, when none is.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env, probe: ExecutableProbe = isExecutable): string {
  const chosen = env.CHROME_PATH;
  if (chosen !== undefined && chosen !== '') {
    if (probe(chosen)) return chosen;
    throw new Error(
      `CHROME_PATH is set to "${chosen}", which is not an executable file: point CHROME_PATH at a Chromium or Chrome binary, or unset it to use an installed one`,
    );
  }
  const found = CHROMIUM_PATHS.find((path) => probe(path));
  if (found !== undefined) return found;
  throw new Error(
    `no Chromium or Chrome found at ${CHROMIUM_PATHS.join(', ')}: ` +
      'install one (Debian/Ubuntu: sudo apt-get install chromium), or set CHROME_PATH to a Chromium or Chrome binary',
  );
}

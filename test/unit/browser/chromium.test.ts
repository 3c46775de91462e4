import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATHS, findChromium } from '../../browser/chromium.js';

/** A probe that knows only the given executables. */
const only =
  (...executables: string[]) =>
  (path: string): boolean =>
    executables.includes(path);

describe('findChromium', () => {
  it('takes CHROME_PATH when it is executable, before any installed browser', () => {
    expect(findChromium({ CHROME_PATH: '/opt/chrome/chrome' }, only('/opt/chrome/chrome', '/usr/bin/chromium'))).toBe(
      '/opt/chrome/chrome',
    );
  });

  it('refuses a CHROME_PATH that is not executable, naming the variable, without falling back', () => {
    expect(() => findChromium({ CHROME_PATH: '/nowhere/chrome' }, only('/usr/bin/chromium'))).toThrow(
      /CHROME_PATH is set to "\/nowhere\/chrome", which is not an executable file/,
    );
  });

  it('takes the first installed browser in order when CHROME_PATH is unset or empty', () => {
    expect(findChromium({}, only('/usr/bin/google-chrome-stable', '/usr/bin/chromium-browser'))).toBe(
      '/usr/bin/chromium-browser',
    );
    expect(findChromium({ CHROME_PATH: '' }, only('/snap/bin/chromium'))).toBe('/snap/bin/chromium');
    expect(findChromium({}, only(...CHROMIUM_PATHS.slice(-1)))).toBe(
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    );
  });

  it('says how to install one, or to set CHROME_PATH, when none is found', () => {
    let message = '';
    try {
      findChromium({}, only());
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    expect(message).toContain('apt-get install chromium');
    expect(message).toContain('Debian/Ubuntu');
    expect(message).toContain('set CHROME_PATH');
    expect(message).toContain('/usr/bin/chromium');
  });
});

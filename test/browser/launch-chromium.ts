/**
 * Launches the system's Chromium through playwright-core, as the browser test and
 * the console benchmark both drive it.
 */
import { chromium, type Browser } from 'playwright-core';
import { findChromium } from './chromium.js';

/** Launches {@link findChromium}'s browser, headless, without the sandbox when run as root. */
export function launchChromium(executablePath: string = findChromium()): Promise<Browser> {
  return chromium.launch({
    executablePath,
    // Chromium's sandbox needs user namespaces, which a root CI container does not give.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

const root = join(__dirname, '..', '..');

/** ARTIFACTS is where browser tests save their screenshots (git ignores test/artifacts/). */
export const ARTIFACTS = join(root, 'test', 'artifacts', 'console');

/**
 * chromiumPath is Debian's chromium, installed by `infra chromium` on first use: only browser tests pay for the
 * install, and playwright never downloads a browser of its own.
 */
export function chromiumPath(): string {
  try {
    return execFileSync('bash', [join(root, 'infra', 'bin', 'infra'), 'chromium'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch (err) {
    throw new Error(`could not install or find Debian's chromium with 'bash infra/bin/infra chromium' (see its message above): ${(err as Error).message}`);
  }
}

/** launchBrowser starts a headless chromium; --no-sandbox because tests run as root, where chromium refuses its sandbox. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/**
 * openPage opens a page that records the page's script errors: uncaught exceptions and console errors, but not the
 * browser's own line for each refused request (a test may expect a 401).
 */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(`console: ${msg.text()}`);
  });
  return { page, errors };
}

/** screenshot saves the whole page as test/artifacts/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// The browser's globals, as far as computedStyle needs them (the tests compile without the DOM's types).
type StyleWindow = { getComputedStyle(element: unknown): Record<string, string> };

/** computedStyle reads one CSS property of an element as the browser computed it ("rgb(183, 121, 31)"). */
export function computedStyle(locator: Locator, property: string): Promise<string> {
  return locator.evaluate((element, name) => (globalThis as unknown as StyleWindow).getComputedStyle(element)[name] ?? '', property);
}

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const root = join(import.meta.dirname, '../..');
export const shots = join(root, 'test-results/screenshots');

/** Builds main, preload and renderer into `outDir` (the tests run against the real bundles). */
export function buildApp(outDir = join(root, 'out')): void {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
}

/** Builds the renderer once per test file (the e2e tests run against the real bundle). */
export function buildRenderer(): string {
  buildApp();
  return join(root, 'out/renderer');
}

/**
 * A Chromium-family browser the way a user has one: CHROMIUM_PATH, Debian's or another
 * distribution's chromium, Google Chrome, Chromium, or the one `npx playwright install
 * chromium` downloaded. Null when there is none.
 */
export function findBrowser(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync, playwrights: () => string = () => chromium.executablePath()): string | null {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  const win = (base: string | undefined, rest: string) => (base ? [join(base, rest)] : []);
  const candidates = [
    '/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium',
    '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium',
    ...win(env.PROGRAMFILES, 'Google/Chrome/Application/chrome.exe'), ...win(env['PROGRAMFILES(X86)'], 'Google/Chrome/Application/chrome.exe'),
    ...win(env.LOCALAPPDATA, 'Google/Chrome/Application/chrome.exe'), ...win(env.LOCALAPPDATA, 'Chromium/Application/chrome.exe'),
  ];
  const found = candidates.find((p) => exists(p));
  if (found) return found;
  try {
    const downloaded = playwrights();
    if (downloaded && exists(downloaded)) return downloaded;
  } catch { /* playwright knows no build for this platform */ }
  return null;
}

export const NO_BROWSER = 'e2e tests skipped: no Chromium or Chrome found — install one (apt-get install chromium, or npx playwright install chromium) or set CHROMIUM_PATH';

/**
 * The browser the e2e tests drive, or null (said once, in one line) to skip them —
 * except under CI=true, where a missing browser fails the run.
 */
export function e2eBrowser(env: NodeJS.ProcessEnv = process.env, find: (env: NodeJS.ProcessEnv) => string | null = findBrowser): string | null {
  const found = find(env);
  if (found) return found;
  if (env.CI === 'true') throw new Error(`${NO_BROWSER} (CI=true: a missing browser fails the run)`);
  console.log(NO_BROWSER);
  return null;
}

/** The found browser, headless, with the flags this closed network needs (playwright gives it a fresh profile). */
export function launch(executablePath = findBrowser() ?? '/usr/bin/chromium'): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

/** A page whose console errors and uncaught exceptions are collected: any one fails the test. */
export async function watchedPage(browser: Browser, opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 }, colorScheme: opts.colorScheme ?? 'light' });
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Opens one of the app's views from the navigation bar. */
export const view = (page: Page, name: string) => page.getByRole('navigation', { name: 'views' }).getByRole('button', { name }).click();

/** Picks an option of a Naive UI select by its visible text. */
export async function choose(page: Page, select: string, option: string): Promise<void> {
  await page.getByLabel(select, { exact: true }).click();
  await page.locator('.n-base-select-option:visible', { hasText: new RegExp(`^${option}$`) }).first().click();
}

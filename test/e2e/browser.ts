import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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

/** Debian's Chromium, headless, with the flags this closed network needs (playwright gives it a fresh profile). */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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

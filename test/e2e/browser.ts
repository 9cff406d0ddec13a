import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { Lab } from '../../src-main/lab';
import { serve, type Served } from '../../src-main/server';

export const root = join(import.meta.dirname, '../..');
export const shots = join(root, 'test-results/screenshots');

/** Builds main, preload and renderer into `outDir` (the tests run against the real bundles). */
export function buildApp(outDir = join(root, 'out')): void {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * Builds the renderer once per test file (the e2e tests run against the real bundle),
 * into a folder of its own: test files run in parallel and must not overwrite each other's.
 */
export function buildRenderer(): string {
  const out = mkdtempSync(join(tmpdir(), 'attention-lab-build-'));
  buildApp(out);
  return join(out, 'renderer');
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

/**
 * The setup every e2e file shares: the renderer built, a lab in a folder of its own
 * served on 127.0.0.1, and Chromium launched; all closed after the file. Read the
 * fields inside tests (they are set in beforeAll).
 */
export function servedLab(prefix: string): { lab: Lab; served: Served; browser: Browser; dir: string } {
  const ctx = { dir: mkdtempSync(join(tmpdir(), prefix)) } as { lab: Lab; served: Served; browser: Browser; dir: string };
  beforeAll(async () => {
    const rendererDir = buildRenderer();
    ctx.lab = new Lab(join(ctx.dir, 'lab.db'));
    ctx.served = await serve({ lab: ctx.lab, rendererDir });
    ctx.browser = await launch();
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.served?.close();
    ctx.lab?.close();
  });
  return ctx;
}

/** Clicks a view's button in the navigation. */
export const view = (page: Page, name: string) => page.getByRole('navigation', { name: 'views' }).getByRole('button', { name }).click();

/** Picks an option of a Naive UI select by its visible text. */
export async function choose(page: Page, select: string, option: string): Promise<void> {
  await page.getByLabel(select, { exact: true }).click();
  await page.locator('.n-base-select-option:visible', { hasText: new RegExp(`^${option}$`) }).first().click();
}

/**
 * WCAG contrast of an element's text against what is really behind it: the backgrounds of
 * its ancestors composited, its colour's alpha and every ancestor's opacity applied.
 */
export function contrastOf(loc: Locator): Promise<{ ratio: number; fg: number[]; bg: number[] }> {
  return loc.evaluate((el) => {
    const rgba = (c: string) => {
      const v = (c.match(/rgba?\(([^)]+)\)/)?.[1] ?? '0 0 0 0').split(/[\s,/]+/).filter(Boolean).map(Number);
      return [v[0], v[1], v[2], v[3] ?? 1];
    };
    const layers: number[][] = [];
    let opacity = 1;
    for (let e: Element | null = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      opacity *= Number(s.opacity);
      const b = rgba(s.backgroundColor);
      if (b[3] > 0) layers.push(b);
    }
    let bg = [255, 255, 255];
    for (const l of layers.reverse()) bg = bg.map((c, i) => l[i] * l[3] + c * (1 - l[3]));
    const f = rgba(getComputedStyle(el).color), a = f[3] * opacity;
    const fg = bg.map((c, i) => f[i] * a + c * (1 - a));
    const lum = (rgb: number[]) => {
      const [r, g, b] = rgb.map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return { ratio: (hi + 0.05) / (lo + 0.05), fg: fg.map(Math.round), bg: bg.map(Math.round) };
  });
}

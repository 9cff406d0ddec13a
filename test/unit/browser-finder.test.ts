import { describe, expect, it, vi } from 'vitest';
import { NO_BROWSER, e2eBrowser, findBrowser } from '../e2e/browser';

/** The e2e tests find a browser the way users have one, or skip — but not under CI. */
describe('e2e browser finder', () => {
  const only = (...paths: string[]) => (p: string) => paths.includes(p);
  const noPlaywright = () => '/nowhere/ms-playwright/chromium/chrome';

  it("finds Debian's chromium, Google Chrome, Chromium on macOS and Windows' Chrome", () => {
    expect(findBrowser({}, only('/usr/bin/chromium'), noPlaywright)).toBe('/usr/bin/chromium');
    expect(findBrowser({}, only('/usr/bin/google-chrome-stable'), noPlaywright)).toBe('/usr/bin/google-chrome-stable');
    expect(findBrowser({}, only('/Applications/Chromium.app/Contents/MacOS/Chromium'), noPlaywright)).toBe('/Applications/Chromium.app/Contents/MacOS/Chromium');
    const chrome = 'C:/Program Files/Google/Chrome/Application/chrome.exe';
    expect(findBrowser({ PROGRAMFILES: 'C:/Program Files' }, only(chrome), noPlaywright)).toBe(chrome);
  });

  it("prefers CHROMIUM_PATH, and falls back to Playwright's downloaded Chromium", () => {
    expect(findBrowser({ CHROMIUM_PATH: '/opt/my/chrome' }, only('/usr/bin/chromium'), noPlaywright)).toBe('/opt/my/chrome');
    const pw = '/home/ana/.cache/ms-playwright/chromium-1200/chrome-linux/chrome';
    expect(findBrowser({}, only(pw), () => pw)).toBe(pw);
    expect(findBrowser({}, only(), noPlaywright)).toBeNull();
  });

  it('with none: one line and a skip on a workstation, a failure under CI=true', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(e2eBrowser({ CI: '' }, () => null)).toBeNull();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(NO_BROWSER);
    expect(() => e2eBrowser({ CI: 'true' }, () => null)).toThrow(/CI=true/);
    expect(e2eBrowser({ CI: 'true' }, () => '/usr/bin/chromium')).toBe('/usr/bin/chromium');
    log.mockRestore();
  });
});

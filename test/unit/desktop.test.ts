import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, root } from '../e2e/browser';
import { driveMain } from './helpers/electron-stub/drive.mjs';
import { toyCsv } from './helpers/toy';

/**
 * The desktop door without the Electron binary: the built main process (out/main/index.js)
 * runs under Node with a stub 'electron' module that plays window, renderer and user.
 */
describe('the built Electron main process (stub electron)', () => {
  const out = join(root, '.cache', `test-desktop-${process.pid}`);
  const data = mkdtempSync(join(tmpdir(), 'attention-lab-desktop-'));
  let d: ReturnType<typeof driveMain>;
  const seen = () => d.seen;
  const ask = (m: Record<string, unknown>) => d.ask(m) as Promise<never>;
  const rendererUrl = () => pathToFileURL(join(out, 'renderer', 'index.html')).href;
  const call = (name: string, input: unknown, frameUrl: string | null = rendererUrl()) =>
    d.call(name, input, frameUrl) as Promise<{ ok: boolean; value?: Record<string, unknown>; error?: { message: string } }>;

  beforeAll(async () => {
    buildApp(out);
    // the platform data folder (XDG here) is where the app keeps userData and the database
    d = driveMain(join(out, 'main', 'index.js'), { ...process.env, XDG_DATA_HOME: data, ATTENTION_LAB_DB: '', STUB_USER_DATA: join(data, 'electron-default') });
    await d.windowOpened();
  });
  afterAll(() => {
    d?.main.kill();
    rmSync(out, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it('opens a sandboxed window on the built renderer, and the lab database in userData, the platform data folder', async () => {
    const w = seen().find((m) => m.type === 'window') as unknown as { options: { webPreferences: Record<string, unknown> }; file: string; userData: string };
    expect(w.userData).toBe(join(data, 'attention-lab'));
    expect(w.file).toBe(join(out, 'renderer', 'index.html'));
    expect(w.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
    const info = await call('db/info', {});
    expect(info).toMatchObject({ ok: true, value: { path: join(w.userData, 'lab.db') } });
    expect(existsSync(join(data, 'attention-lab', 'lab.db'))).toBe(true);
  });

  it('answers contract calls from its renderer, with the contract\'s errors', async () => {
    expect((await call('taskSets/list', {})).value).toEqual([]);
    const bad = await call('taskSets/get', { id: 'x' });
    expect(bad.ok).toBe(false);
    expect(bad.error!.message).toMatch(/id/);
  });

  it('refuses calls from any other frame: a sibling folder, an encoded path, no frame at all', async () => {
    const evil = pathToFileURL(join(out, 'renderer-evil', 'x.html')).href;
    for (const frame of [evil, rendererUrl().replace('/renderer/index.html', '/renderer/%2F..%2Findex.html'), 'https://example.com/', null])
      expect(await call('taskSets/list', {}, frame)).toEqual({ ok: false, error: { code: 'invalid_input', message: 'call from an unknown frame refused' } });
  });

  it('keeps the window on the renderer: navigation and redirects elsewhere, <webview> and permission checks are refused', async () => {
    const prevented = (event: string, url: string) => ask({ type: 'event', event, url });
    expect(await prevented('will-navigate', rendererUrl())).toBe(false);
    expect(await prevented('will-navigate', `${rendererUrl()}#runs`)).toBe(false);
    expect(await prevented('will-navigate', pathToFileURL(join(out, 'renderer-evil', 'x.html')).href)).toBe(true);
    expect(await prevented('will-navigate', 'https://example.com/')).toBe(true);
    expect(await prevented('will-redirect', 'https://example.com/')).toBe(true);
    expect(await prevented('will-attach-webview', rendererUrl())).toBe(true);
    expect(await ask({ type: 'permission', permission: 'media' })).toBe(false);
  });

  it('pushes progress events to the window', async () => {
    const r = await call('datasets/import', { content: toyCsv(200), filename: 'toy.csv' });
    expect(r.ok).toBe(true);
    const progress = seen().filter((m) => m.type === 'window-send' && (m.args as unknown[])[0] === 'progress') as unknown as { channel: string; args: [string, { kind: string }] }[];
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0].channel).toBe('lab:event');
    expect(progress.map((p) => p.args[1].kind)).toContain('import');
  });

  it('times tasks in the bundled trainer, forked from the built main process', async () => {
    const set = await call('taskSets/create', { name: 'toy set', budget: 100, tasks: [{ name: 'toy', attentionCost: 1, timeCost: 1, dataset: 'toy' }] });
    expect(set.ok).toBe(true);
    const profiled = await call('taskSets/profile', { id: set.value!.id, batches: 2 });
    expect(profiled.error).toBeUndefined();
    expect((profiled.value as { tasks: { timeCost: number }[] }).tasks[0].timeCost).toBeGreaterThan(0);
  });

  it('closes the database when the last window closes and the app quits', async () => {
    const db = join(data, 'attention-lab', 'lab.db');
    expect(existsSync(`${db}-wal`)).toBe(true); // open, in WAL mode
    d.main.send({ type: 'close-window' });
    await d.waitFor((m) => m.type === 'quit');
    await expect.poll(() => existsSync(`${db}-wal`)).toBe(false); // SQLite removes the WAL when the last connection closes
  });
});

describe('the built main process when the database cannot be opened', () => {
  const out = join(root, '.cache', `test-desktop-fail-${process.pid}`);
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-desktop-fail-'));
  beforeAll(() => buildApp(out));
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('under an Electron with no better-sqlite3 build: an error box naming the file and the fix, then exit; no stack trace', async () => {
    // Electron 45's runtime, faked: process.versions says electron, NODE_MODULE_VERSION 150
    const runtime = join(dir, 'electron-runtime.mjs');
    writeFileSync(runtime, "Object.defineProperty(process.versions, 'electron', { value: '45.4.1' });\nObject.defineProperty(process.versions, 'modules', { value: '150' });\n");
    const d = driveMain(join(out, 'main', 'index.js'), {
      ...process.env, XDG_DATA_HOME: dir, ATTENTION_LAB_DB: '', ATTENTION_LAB_SQLITE_BINDING: '', ATTENTION_LAB_NATIVE_CACHE: join(dir, 'cache'),
      STUB_USER_DATA: dir, NODE_OPTIONS: `--import ${pathToFileURL(runtime).href}`,
    });
    try {
      const box = await d.waitFor((m) => m.type === 'errorBox');
      expect(box.title).toBe('Attention Lab cannot open its database');
      expect(box.content).toMatch(/needs better-sqlite3 \S+ built for Electron 45\.4\.1 \(NODE_MODULE_VERSION 150/);
      expect(box.content).toContain(`${join(dir, 'cache')}`);
      expect(box.content).toMatch(/Fix: .*npm start/);
      expect(box.content).not.toMatch(/\n\s+at /);
      expect(await d.waitFor((m) => m.type === 'exit')).toMatchObject({ code: 1 });
      expect(d.seen.some((m) => m.type === 'window')).toBe(false);
    } finally {
      d.main.kill();
    }
  });
});


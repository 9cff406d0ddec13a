import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, root } from '../e2e/browser';
import { driveMain } from './helpers/electron-stub/drive.mjs';
import { Lab } from '../../src-main/lab';
import { addRun } from './helpers/runs';
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

  it('exports runs streamed to the file the user picks: any number of runs; cancel writes nothing; other frames refused', async () => {
    // 600 runs (past the one-answer call's 500), written to the app's database beside it
    const side = new Lab(join(data, 'attention-lab', 'lab.db'));
    const ids = Array.from({ length: 600 }, (_, i) => addRun(side.db, { policy: 'lp', seed: i, base: 0.5, epochs: 1 }));
    side.close();
    const exportTo = (saveTo: string | null, input: unknown, frameUrl: string | null = rendererUrl()) => ask({ type: 'export', saveTo, input, frameUrl }) as Promise<{ ok: boolean; value?: { path: string | null; bytes: number }; error?: { message: string } }>;
    const file = join(data, 'picked.csv');
    const r = await exportTo(file, { ids, format: 'csv', shape: 'long' });
    expect(r).toEqual({ ok: true, value: { path: file, bytes: statSync(file).size } });
    const dialog = seen().filter((m) => m.type === 'saveDialog').at(-1)!;
    expect(dialog.options.defaultPath).toBe(join('/stub/Downloads', 'runs-600.csv'));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1 + 600 * 2 * 3); // 2 epochs × (2 tasks + the mean)
    expect(new Set(lines.slice(1).map((l) => Number(l.split(',')[0]))).size).toBe(600);
    expect(await exportTo(null, { ids, format: 'json' })).toEqual({ ok: true, value: { path: null, bytes: 0 } }); // cancelled
    expect((await exportTo(file, { ids: [999_999], format: 'csv' })).error!.message).toMatch(/run 999999 does not exist/);
    expect(await exportTo(file, { ids, format: 'csv' }, 'https://example.com/')).toEqual({ ok: false, error: { code: 'invalid_input', message: 'call from an unknown frame refused' } });
  }, 60_000);

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


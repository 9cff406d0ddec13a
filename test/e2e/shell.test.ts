import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import { serve, type Served } from '../../src-main/server';
import { buildRenderer, launch, screenshot, watchedPage } from './browser';
import { readJsonFile } from '../../src-main/cli/files';

describe('serve mode in Chromium', () => {
  let lab: Lab;
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    const rendererDir = buildRenderer();
    lab = new Lab(':memory:');
    served = await serve({ lab, rendererDir });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    lab?.close();
  });

  it('shows the stored task sets, with no Node in the page and no console errors', async () => {
    await lab.call('taskSets/create', readJsonFile('resources/seed-example.taskset.json'));
    const { page, errors } = await watchedPage(browser);
    await page.goto(served.url);
    await page.getByRole('cell', { name: 'seed example' }).waitFor();
    expect(await page.getByText('browser (serve mode)').isVisible()).toBe(true);
    // Sandbox canary: the renderer bundle must carry no Node globals.
    expect(await page.evaluate(() => [typeof (globalThis as Record<string, unknown>).require, typeof (globalThis as Record<string, unknown>).global, typeof (globalThis as Record<string, unknown>).Buffer, typeof (globalThis as Record<string, unknown>).process])).toEqual(['undefined', 'undefined', 'undefined', 'undefined']);
    await screenshot(page, 'home');
    expect(errors).toEqual([]);
  });

  it('refuses API calls without the token, and names the field of a malformed call', async () => {
    const base = `http://127.0.0.1:${served.port}`;
    const post = (name: string, body: unknown, token?: string) =>
      fetch(`${base}/api/${name}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, body: JSON.stringify(body) });
    const anon = await post('taskSets/list', {});
    expect(anon.status).toBe(401);
    expect((await post('taskSets/list', {}, 'wrong')).status).toBe(401);
    const bad = await post('taskSets/create', { name: 'x', budget: -1, tasks: [{ name: 'a', attentionCost: 1 }] }, served.token);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/budget: budget must be > 0/);
    const missing = await post('taskSets/get', { id: 99 }, served.token);
    expect(missing.status).toBe(404);
    const unknown = await post('taskSets/explode', {}, served.token);
    expect(unknown.status).toBe(404);
    const notJson = await fetch(`${base}/api/taskSets/list`, { method: 'POST', headers: { authorization: `Bearer ${served.token}` }, body: '{oops' });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.message).toMatch(/not valid JSON/);
    expect(served.url.startsWith('http://127.0.0.1:')).toBe(true);
  });
});

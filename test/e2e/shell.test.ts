import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import { serve, type Served } from '../../src-main/server';
import { toyCsv } from '../unit/helpers/toy';
import { buildRenderer, choose, contrastOf, e2eBrowser, launch, screenshot, view, watchedPage } from './browser';

const browserPath = e2eBrowser();

/** A new user's whole workflow, clicked through the real renderer in Chromium against serve mode. */
describe.skipIf(!browserPath)('serve mode in Chromium', () => {
  let lab: Lab;
  let served: Served;
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-e2e-'));

  beforeAll(async () => {
    const rendererDir = buildRenderer();
    lab = new Lab(join(dir, 'lab.db'));
    served = await serve({ lab, rendererDir });
    browser = await launch(browserPath!);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    lab?.close();
  });


  it('imports a CSV, builds a task set with a built-in, solves it, trains a run and shows its curve', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(served.url);
    await page.getByText('No task sets yet').waitFor();
    // the app says which database it has open
    expect(await page.getByLabel('open database').textContent()).toContain(join(dir, 'lab.db'));
    // Sandbox canary: the renderer bundle must carry no Node globals.
    expect(await page.evaluate(() => ['require', 'global', 'Buffer', 'process'].map((k) => typeof (globalThis as Record<string, unknown>)[k]))).toEqual(['undefined', 'undefined', 'undefined', 'undefined']);

    // Data: import a small CSV; its statistics appear
    await view(page, 'Data');
    const csv = join(dir, 'reviews.csv');
    writeFileSync(csv, toyCsv(300));
    await page.getByLabel('File to import').setInputFiles(csv);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('region', { name: 'data set reviews' }).waitFor();
    await page.getByRole('img', { name: 'token-length histogram' }).waitFor();
    await screenshot(page, 'data');

    // a malformed file gets a clear error, and nothing is stored
    writeFileSync(join(dir, 'bad.csv'), 'text,label\nonly one label,a\nsame label,a\n');
    await page.getByLabel('File to import').setInputFiles(join(dir, 'bad.csv'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/label/);
    expect((await lab.call('datasets/list', {})).map((d) => d.name)).toEqual(['reviews']);
    // the browser logs the refused upload's 400 itself; that one is expected, nothing else
    expect(errors).toEqual([expect.stringMatching(/status of 400/)]);
    errors.length = 0;

    // Task sets: the seed example, solved with lp: π_6 = 0.667
    await view(page, 'Task sets');
    await page.getByRole('button', { name: 'Add example: seed example' }).click();
    await page.getByRole('button', { name: 'Solve seed example' }).click();
    await page.getByRole('region', { name: 'Solve an allocation' }).getByRole('button', { name: 'Solve', exact: true }).click();
    const allocation = page.getByRole('table', { name: 'allocation' });
    await expect.poll(() => allocation.getByRole('row', { name: /^t6 / }).textContent()).toMatch(/0\.667/);
    await screenshot(page, 'solve-seed-example');

    // a task set over the imported data and a built-in
    await view(page, 'Task sets');
    await page.getByRole('button', { name: 'New task set' }).click();
    await page.getByLabel('Task set name').fill('reviews and names');
    await page.getByLabel('Budget A').fill('1000000000');
    await page.getByLabel('task 1 name').fill('reviews');
    await choose(page, 'task 1 data set', 'reviews');
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.getByLabel('task 2 name').fill('names');
    await choose(page, 'task 2 data set', 'names-gender');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: "Edit 'reviews and names'" }).waitFor();
    await page.getByText('measured').first().waitFor();
    await screenshot(page, 'task-set-editor');

    // solve it with lp, then train with that allocation
    await page.getByRole('button', { name: 'Solve…' }).click();
    await page.getByRole('region', { name: 'Solve an allocation' }).getByRole('button', { name: 'Solve', exact: true }).click();
    await page.getByRole('button', { name: 'Train with this allocation…' }).click();
    await page.getByLabel('Epochs').fill('2');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    const row = page.getByRole('region', { name: 'runs' }).locator('tr').filter({ hasText: 'reviews and names' });
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toMatch(/completed/);
    await page.getByRole('img', { name: /val\.accuracy per task over epochs/ }).waitFor();
    await page.waitForTimeout(600); // let the progress bar's transition finish for the picture
    await screenshot(page, 'runs');
    expect(errors.join('\n')).toBe('');
  }, 120_000);

  it('compares two policies over two seeds: bands per group, curves that move with the x-axis, a diff of only the policy', async () => {
    const set = (await lab.call('taskSets/list', {})).find((s) => s.name === 'reviews and names')!;
    // half the attention a full pass would take: lp and uniform now split it differently
    const full = await lab.call('taskSets/get', { id: set.id });
    await lab.call('taskSets/update', { id: set.id, set: { name: full.name, budget: set.totalAttention / 2, tasks: full.tasks.map((t) => ({ name: t.name, dataset: t.datasetName })) } });
    const started = [...(await lab.call('runs/start', { taskSetId: set.id, policy: 'lp', epochs: 2, seeds: [1, 2] })), ...(await lab.call('runs/start', { taskSetId: set.id, policy: 'uniform', epochs: 2, seeds: [1, 2] }))];
    for (const r of started) expect((await lab.runs.wait(r.id)).status).toBe('completed');
    const { page, errors } = await watchedPage(browser);
    await page.goto(served.url);
    await view(page, 'Compare');
    await page.getByLabel('Search runs to compare').fill('set:"reviews and names"');
    await expect.poll(() => page.getByTestId('runs-count').textContent()).toMatch(/^5 runs match · 0 selected/);
    for (const r of started) await page.getByLabel(`select run ${r.id}`).check();
    const caption = page.getByTestId('chart-caption');
    await expect.poll(() => caption.textContent()).toMatch(/^2 groups, bands of mean ± std over up to 2 runs \(from [\d.]+ to [\d.]+\); x from 0 to 2$/);
    // the epoch-axis answers now come back late, after the attention one: the chart must keep the axis last asked for
    let held = 0;
    await page.route('**/api/runs/compare', async (route) => {
      if (JSON.parse(route.request().postData() ?? '{}').x === 'epoch') { held++; await new Promise((r) => setTimeout(r, 1_500)); }
      await route.continue();
    });
    await page.getByLabel(`select run ${started[3].id}`).uncheck();
    await page.getByLabel(`select run ${started[3].id}`).check();
    await choose(page, 'x-axis', 'attention spent');
    await expect.poll(() => caption.textContent()).toMatch(/^2 groups, .*; x from 0 to [\d,]{4,}$/);
    await page.waitForTimeout(2_000);
    expect(held).toBeGreaterThan(0);
    expect(await caption.textContent()).toMatch(/^2 groups, .*; x from 0 to [\d,]{4,}$/);
    await page.unroute('**/api/runs/compare');
    const diff = page.getByRole('table', { name: 'config diff' });
    await expect.poll(() => diff.getByRole('row').allTextContents()).toEqual([expect.stringMatching(/^field/), 'policylpuniform', 'seed1, 21, 2']);
    await page.getByRole('table', { name: 'final metrics' }).getByText('★ best').first().waitFor(); // equal runs tie
    // the picker sorts by a final metric on the server, best first
    const picker = page.getByRole('region', { name: 'runs to compare' });
    const finals = async () => (await picker.locator('td[data-col-key="final"]').allTextContents()).map(Number);
    await picker.locator('th[data-col-key="final"]').click();
    await expect.poll(async () => { const got = await finals(); return got.length === 5 && got.every((v, i) => v > 0 && (i === 0 || v <= got[i - 1])); }).toBe(true);
    await page.getByRole('heading', { name: /^Pick runs/ }).click(); // close the open menu for the picture
    const renderMs = await page.evaluate(() => performance.getEntriesByName('compare').at(-1)?.duration ?? -1);
    expect(renderMs).toBeGreaterThan(0);
    await screenshot(page, 'compare');
    // the same comparison (its state is in the URL) in the dark, on the epoch axis
    const dark = await watchedPage(browser, { colorScheme: 'dark' });
    await dark.page.goto(page.url().replace(/%22x%22%3A%22attention%22/, '%22x%22%3A%22epoch%22'));
    await expect.poll(() => dark.page.getByTestId('chart-caption').textContent()).toMatch(/; x from 0 to 2$/);
    await dark.page.waitForTimeout(400);
    await screenshot(dark.page, 'compare-dark');
    expect(dark.errors.join('\n')).toBe('');
    await dark.page.close();
    // exports: the selection as CSV, the chart as PNG
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe('runs-4.csv');
    expect(readFileSync(await csv.path(), 'utf8').split('\n')[0]).toBe('run_id,epoch,step,task,metric,value,attention,wall_ms');
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^PNG of/ }).click()]);
    expect(readFileSync(await png.path()).subarray(1, 4).toString()).toBe('PNG');
    expect(errors.join('\n')).toBe('');
  }, 120_000);

  it('follows a dark system theme, and every view is reachable by keyboard', async () => {
    const { page, errors } = await watchedPage(browser, { colorScheme: 'dark' });
    await page.goto(served.url);
    await page.getByRole('cell', { name: 'seed example', exact: true }).waitFor();
    // the dark palette itself (Naive UI's dark theme), not merely 'not white'
    expect(await page.evaluate(() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color])).toEqual(['rgb(16, 16, 20)', 'rgba(255, 255, 255, 0.82)']);
    for (const name of ['Data', 'Task sets', 'Solve', 'Runs', 'Compare']) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(name);
    }
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Start runs' }).waitFor();
    expect(await page.locator('nav [aria-current="page"]').textContent()).toMatch(/Runs/);
    // light text on a dark ground wherever a user reads: the title, the views, a table, a muted line, a field
    const nav = page.getByRole('navigation', { name: 'views' });
    const read = {
      title: page.getByRole('heading', { name: 'Attention Lab' }), 'a view': nav.getByRole('button', { name: 'Data' }).locator('.n-button__content'),
      'the current view': nav.getByRole('button', { name: 'Runs' }).locator('.n-button__content'), heading: page.getByRole('heading', { name: 'Start runs' }),
      'a muted line': page.getByTestId('runs-count'), 'a field': page.getByLabel('Seeds'), 'a table header': page.getByRole('region', { name: 'runs' }).locator('th').filter({ hasText: 'status' }),
    };
    await page.waitForTimeout(400); // the buttons' colour transition
    for (const [what, loc] of Object.entries(read)) {
      const c = await contrastOf(loc);
      if (what !== 'the current view') expect(c.bg.every((v) => v < 60), `${what} sits on a dark ground (${c.bg})`).toBe(true); // the current view is a light button
      expect(c.ratio, `${what}: contrast ${c.ratio.toFixed(2)} (${c.fg} on ${c.bg})`).toBeGreaterThanOrEqual(4.5);
    }
    await screenshot(page, 'runs-dark');
    expect(errors.join('\n')).toBe('');
  });

  it('refuses API calls without the token, and names the field of a malformed call', async () => {
    const base = `http://127.0.0.1:${served.port}`;
    const post = (name: string, body: unknown, token?: string) =>
      fetch(`${base}/api/${name}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, body: JSON.stringify(body) });
    const anon = await post('taskSets/list', {});
    expect(anon.status).toBe(401);
    expect((await post('taskSets/list', {}, 'wrong')).status).toBe(401);
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
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

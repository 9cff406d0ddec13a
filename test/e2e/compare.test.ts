import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import { serve, type Served } from '../../src-main/server';
import { addRun } from '../unit/helpers/runs';
import { buildRenderer, choose, launch, screenshot, view, watchedPage } from './browser';

/**
 * The compare and runs views against a store of known runs (issue 16): each wrong answer
 * the issue names, the query syntax, a saved view after a reload, zoom.
 */
describe('comparing runs in Chromium', () => {
  let lab: Lab;
  let served: Served;
  let browser: Browser;
  const ids: Record<string, number[]> = {};

  beforeAll(async () => {
    const rendererDir = buildRenderer();
    lab = new Lab(join(mkdtempSync(join(tmpdir(), 'attention-lab-e2e-compare-')), 'lab.db'));
    const easy = await lab.call('taskSets/create', { name: 'easy', budget: 100, tasks: [{ name: 'a', attentionCost: 1 }, { name: 'b', attentionCost: 1 }] });
    const hard = await lab.call('taskSets/create', { name: 'hard', budget: 100, tasks: [{ name: 'a', attentionCost: 1 }, { name: 'b', attentionCost: 1 }] });
    // runs 1–4: lp and uniform over seeds 1 and 2 on 'easy'; task b learns faster under uniform
    ids.easy = [['lp', 1, 0.6], ['lp', 2, 0.62], ['uniform', 1, 0.5], ['uniform', 2, 0.52]].map(([policy, seed, base]) => addRun(lab.db, { policy: policy as string, seed: seed as number, base: base as number, taskSetId: easy.id }));
    // runs 5–6: the same policies on 'hard', over more epochs
    ids.hard = [['lp', 1, 0.2], ['uniform', 1, 0.25]].map(([policy, seed, base]) => addRun(lab.db, { policy: policy as string, seed: seed as number, base: base as number, taskSetId: hard.id, epochs: 5 }));
    // seeds far apart: a mean ± std band would cross 1 and 0
    ids.wide = [addRun(lab.db, { policy: 'wide', seed: 1, base: 0.97, slope: 0, name: 'wide 1' }), addRun(lab.db, { policy: 'wide', seed: 2, base: 0.03, slope: 0, name: 'wide 2' })];
    // 600 more runs: the best of all is among the newest, past the 500 the old picker scored
    ids.many = Array.from({ length: 600 }, (_, i) => addRun(lab.db, { policy: i % 2 ? 'lp' : 'uniform', seed: 10 + i, base: 0.3 + i / 2000, epochs: 1, name: `bulk ${i}` }));
    served = await serve({ lab, rendererDir });
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    lab?.close();
  });

  const picker = (page: Page) => page.getByRole('region', { name: 'runs to compare' });
  const search = async (page: Page, q: string, count: RegExp) => {
    await page.getByLabel('Search runs to compare').fill(q);
    await expect.poll(() => page.getByTestId('runs-count').textContent()).toMatch(count);
  };
  const pick = async (page: Page, runIds: number[]) => { for (const id of runIds) await page.getByLabel(`select run ${id}`).check(); };
  const open = async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(served.url);
    await view(page, 'Compare');
    return { page, errors };
  };

  it('searches with the query syntax and ranks every run by its final metric on the server', async () => {
    const { page, errors } = await open();
    await search(page, 'policy:lp seed:1', /^2 runs match/); // on easy and on hard
    await search(page, 'policy:lp seed:1 set:easy', /^1 run matches/);
    await expect.poll(() => picker(page).locator('td[data-col-key="id"]').allTextContents()).toEqual([String(ids.easy[0])]);
    await search(page, 'test.accuracy>0.9', /^1 run matches/);
    const over = (await lab.call('runs/list', { q: 'test.accuracy>0.9', limit: 1000 })).rows;
    expect(over.every((r) => r.final! > 0.9)).toBe(true);
    await expect.poll(() => page.getByTestId('runs-count').textContent()).toMatch(/^1 run matches/);
    expect(over.map((r) => r.id)).toEqual([ids.wide[0]]);
    await search(page, '"bulk 59"', /^11 runs match/); // bulk 59, 590–599
    await search(page, 'seed:x', /runs? match/);
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/query: in 'seed:x', 'x' is not a number/);
    errors.length = 0; // the refused query's 400 is expected
    // sort by the final metric: every run ranked, the best of all 608 on top
    await search(page, '', /^608 runs/);
    const header = picker(page).locator('th[data-col-key="final"]');
    await header.click(); // descending first: best on top
    const best = (await lab.call('runs/list', { sort: 'final', limit: 1 })).rows[0];
    await expect.poll(() => picker(page).locator('td[data-col-key="id"]').first().textContent()).toBe(String(best.id));
    const finals = (await picker(page).locator('td[data-col-key="final"]').allTextContents()).map(Number);
    expect(finals.length).toBeGreaterThan(5);
    expect(finals.every((v, i) => !Number.isNaN(v) && (i === 0 || v <= finals[i - 1]))).toBe(true);
    await screenshot(page, 'compare-query-sort');
    expect(errors.join('\n')).toBe('');
  }, 60_000);

  it('lists what varies within groups and the task set, flags mixed task sets and ranks within each, clips bands to [0, 1]', async () => {
    const { page, errors } = await open();
    await search(page, 'set:easy', /^4 runs match/);
    await pick(page, ids.easy);
    await choose(page, 'Group by', 'seed');
    const diff = page.getByRole('table', { name: 'config diff' });
    // grouped by seed, lp and uniform sit in both groups: the old diff said "Nothing"
    await expect.poll(() => diff.getByRole('row').allTextContents()).toEqual(['field12', 'policylp, uniformlp, uniform', 'seed12']);
    // two task sets: the set is named, the warning says why, one ★ best per set
    await search(page, 'set:hard', /^2 runs match/);
    await pick(page, ids.hard);
    await choose(page, 'Group by', 'policy');
    await expect.poll(() => diff.getByRole('row').allTextContents()).toEqual(['fieldlpuniform', 'epochs3, 53, 5', 'policylpuniform', 'seed1, 21, 2', 'taskSeteasy, hardeasy, hard']);
    await expect.poll(() => page.getByTestId('compare-warning').textContent()).toMatch(/span 2 task sets \(easy, hard\).*ranked only within their task set/);
    const best = page.getByRole('table', { name: 'final metrics' }).locator('tr', { hasText: '★ best' });
    await expect.poll(() => best.allTextContents()).toEqual([expect.stringMatching(new RegExp(`^${ids.easy[1]} ★ best\\s*lp\\s*easy`)), expect.stringMatching(new RegExp(`^${ids.hard[1]} ★ best\\s*uniform\\s*hard`))]);
    await screenshot(page, 'compare-mixed-task-sets');
    // which settings mattered: parallel coordinates and a scatter of the same runs
    await page.getByText('Which settings mattered').click();
    await page.getByRole('img', { name: 'config fields against final test.accuracy, parallel coordinates' }).locator('canvas').waitFor();
    await page.getByRole('img', { name: 'lr against final test.accuracy' }).locator('canvas').waitFor();
    await page.getByRole('img', { name: 'lr against final test.accuracy' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'compare-settings');
    // two seeds at 0.975 and 0.035: mean ± std would run from −0.19 to 1.19
    await page.getByRole('button', { name: 'clear' }).click();
    await search(page, 'policy:wide', /^2 runs match/);
    await pick(page, ids.wide);
    const caption = page.getByTestId('chart-caption');
    await expect.poll(() => caption.textContent()).toMatch(/^1 group, bands of mean ± std over up to 2 runs \(from 0 to 1\)/);
    await choose(page, 'Band', 'min–max');
    await expect.poll(() => caption.textContent()).toMatch(/bands of min–max over up to 2 runs \(from 0\.035 to 0\.975\)/);
    await screenshot(page, 'compare-clipped-band');
    expect(errors.join('\n')).toBe('');
  }, 60_000);

  it("saves each task's chart from its own PNG button, with a legend", async () => {
    const { page, errors } = await open();
    await search(page, 'set:easy', /^4 runs match/);
    await pick(page, ids.easy);
    await page.getByLabel('Per task').click();
    await page.getByRole('img', { name: /task b$/ }).waitFor();
    await page.waitForTimeout(300);
    // the downloaded picture, scaled down, against each chart on screen: it must be the one it is named for
    const closest = async (task: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `PNG of ${task}` }).click()]);
      expect(d.suggestedFilename()).toBe(`compare-${task}.png`);
      const b64 = readFileSync(await d.path()).toString('base64');
      return page.evaluate(async (data) => {
        const img = new Image();
        img.src = `data:image/png;base64,${data}`;
        await img.decode();
        const small = (src: CanvasImageSource) => {
          const c = document.createElement('canvas');
          c.width = 120; c.height = 60;
          const g = c.getContext('2d')!;
          g.fillStyle = '#fff';
          g.fillRect(0, 0, 120, 60);
          g.drawImage(src, 0, 0, 120, 60);
          return g.getImageData(0, 0, 120, 60).data;
        };
        const mine = small(img);
        return [...document.querySelectorAll('[role="img"][aria-label*=", task "]')].map((el) => {
          const other = small(el.querySelector('canvas')!);
          let diff = 0;
          for (let i = 0; i < mine.length; i++) diff += Math.abs(mine[i] - other[i]);
          return { label: el.getAttribute('aria-label')!.replace(/^.*task /, ''), diff };
        }).sort((a, b) => a.diff - b.diff)[0].label;
      }, b64);
    };
    expect(await closest('a')).toBe('a');
    expect(await closest('b')).toBe('b');
    await screenshot(page, 'compare-per-task');
    expect(errors.join('\n')).toBe('');
  }, 60_000);

  it('keeps 500 ungrouped runs readable: a one-line scrolling legend, names in tooltips', async () => {
    const { page, errors } = await open();
    await search(page, 'name:bulk', /^600 runs match/);
    await page.getByRole('button', { name: 'select all 600' }).click();
    await choose(page, 'Group by', 'policy');
    await page.getByLabel('Group by', { exact: true }).locator('.n-base-clear').click();
    await page.keyboard.press('Escape');
    const caption = page.getByTestId('chart-caption');
    await expect.poll(() => caption.textContent(), { timeout: 20_000 }).toMatch(/^600 groups; x from 0 to 1/);
    await page.getByRole('heading', { name: /^Compare 600 runs/ }).scrollIntoViewIfNeeded();
    await screenshot(page, 'compare-600-runs');
    expect(errors.join('\n')).toBe('');
  }, 60_000);

  it('restores the whole view from the URL after a reload, and a named view from the database', async () => {
    const { page, errors } = await open();
    await search(page, 'set:easy', /^4 runs match/);
    await pick(page, ids.easy);
    await choose(page, 'Band', 'median, interquartile range');
    await choose(page, 'x-axis', 'attention spent');
    const caption = page.getByTestId('chart-caption');
    const want = /^2 groups, bands of median and IQR over up to 2 runs .*; x from 0 to 3,000$/;
    await expect.poll(() => caption.textContent()).toMatch(want);
    await page.getByLabel('View name').fill('easy by attention');
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.reload();
    await expect.poll(() => caption.textContent()).toMatch(want);
    // a fresh window with no URL state and no local memory: the saved view brings it back
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await fresh.goto(served.url);
    await fresh.evaluate(() => localStorage.clear());
    await fresh.reload();
    await view(fresh, 'Compare');
    await expect.poll(() => fresh.getByTestId('chart-caption').count()).toBe(0);
    await choose(fresh, 'Saved views', 'easy by attention');
    await expect.poll(() => fresh.getByTestId('chart-caption').textContent()).toMatch(want);
    await screenshot(fresh, 'compare-saved-view');
    // deleted: gone from the list, from the database, and after a reload; what is on screen stays
    await fresh.getByRole('button', { name: 'Delete the saved view easy by attention' }).click();
    await expect.poll(async () => (await lab.call('views/list', {})).map((v) => v.name)).toEqual([]);
    await expect.poll(() => fresh.getByTestId('chart-caption').textContent()).toMatch(want);
    await fresh.reload();
    await view(fresh, 'Compare');
    await fresh.getByLabel('Saved views', { exact: true }).click();
    await expect.poll(() => fresh.locator('.n-base-select-option:visible', { hasText: 'easy by attention' }).count()).toBe(0);
    await fresh.close();
    expect(errors.join('\n')).toBe('');
  }, 60_000);

  it('zooms with the range slider, and the zoom is part of the view', async () => {
    const { page, errors } = await open();
    await search(page, 'set:hard', /^2 runs match/);
    await pick(page, ids.hard);
    const caption = page.getByTestId('chart-caption');
    await expect.poll(() => caption.textContent()).toMatch(/; x from 0 to 5$/);
    await screenshot(page, 'compare-before-zoom');
    // drag the slider's right handle to the middle
    const chart = page.getByRole('img', { name: /test\.accuracy by epoch$/ });
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    const y = box.y + box.height - 17;
    await page.mouse.move(box.x + box.width - 60, y);
    await page.mouse.move(box.x + box.width - 24, y, { steps: 4 });
    await page.waitForTimeout(100);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.55, y, { steps: 20 });
    await page.mouse.up();
    await screenshot(page, 'compare-after-drag');
    await expect.poll(() => caption.textContent()).toMatch(/; zoomed to 0–[23](\.\d+)?$/);
    await screenshot(page, 'compare-zoomed');
    await page.reload();
    await expect.poll(() => caption.textContent()).toMatch(/; zoomed to 0–[23](\.\d+)?$/);
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    await expect.poll(() => caption.textContent()).toMatch(/; x from 0 to 5$/);
    expect(errors.join('\n')).toBe('');
  }, 60_000);

  it('the runs table reads more rows as it scrolls, not all at open', async () => {
    const { page, errors } = await watchedPage(browser);
    const asked: number[] = [];
    page.on('request', (r) => { if (r.url().endsWith('/api/runs/list')) asked.push((JSON.parse(r.postData() ?? '{}') as { limit?: number }).limit ?? 0); });
    await page.goto(served.url);
    await view(page, 'Runs');
    const table = page.getByRole('region', { name: 'runs' });
    await expect.poll(() => page.getByTestId('runs-count').textContent()).toMatch(/^608 runs/);
    expect(asked).toEqual([200]); // the first screenful, nothing more
    // to the end of the table: the oldest run (id 1) comes into view
    for (let k = 0; k < 20 && !(await table.locator('tr[data-run="1"]').count()); k++) {
      await table.locator('.v-vl, .n-scrollbar-container').first().evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(150);
    }
    await expect.poll(() => table.locator(`tr[data-run="1"]`).count()).toBe(1);
    expect(asked.length).toBeGreaterThan(1);
    expect(errors.join('\n')).toBe('');
  }, 60_000);

  it('Compact in the database menu gives deleted runs’ space back and says how much', async () => {
    const { page, errors } = await watchedPage(browser);
    await lab.call('runs/deleteMany', { ids: ids.many.slice(0, 400) });
    await page.goto(served.url);
    await page.getByLabel('open database').click();
    await page.getByRole('button', { name: 'Compact' }).click();
    const said = page.getByRole('status').filter({ hasText: 'Compacted' });
    await expect.poll(() => said.textContent()).toMatch(/^Compacted: [\d.]+ [kMG]?B → [\d.]+ [kMG]?B; [\d.]+ [kMG]?B given back to the disk$/);
    await screenshot(page, 'database-compact');
    expect(errors.join('\n')).toBe('');
  }, 60_000);
});

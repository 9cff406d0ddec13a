import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { nextEvent } from '../unit/helpers/events';
import { toyCsv } from '../unit/helpers/toy';
import { screenshot, servedLab, view, watchedPage } from './browser';

/** Defects a new user hit (issue 17: 1–6 and 12), each clicked through the real renderer. */
describe('defects a new user hit', () => {
  const t = servedLab('attention-lab-e2e-defects-');

  const solveButton = (page: Page) => page.getByRole('region', { name: 'Solve an allocation' }).getByRole('button', { name: 'Solve', exact: true });
  async function openSolve(page: Page, setName: string) {
    await page.goto(t.served.url);
    await view(page, 'Task sets');
    await page.getByRole('button', { name: `Solve ${setName}` }).click();
    await page.getByRole('heading', { name: 'Solve an allocation' }).waitFor();
  }

  it('12. a new user lands on a page that leads through the workflow; without the token, only the error', async () => {
    const { page, errors } = await watchedPage(t.browser);
    await page.goto(t.served.url);
    const start = page.getByRole('note', { name: 'getting started' });
    await start.waitFor();
    expect(await start.textContent()).toMatch(/Data.*example.*Solve.*Runs.*Compare.*Study/s);
    await screenshot(page, 'first-screen');
    await start.getByRole('link', { name: 'Data' }).click();
    await page.getByRole('heading', { name: 'Built-in data sets' }).waitFor();
    expect(errors.join('\n')).toBe('');

    // the page opened without its token: the clear error, and no empty lab beneath it
    const anon = await t.browser.newPage();
    await anon.goto(`http://127.0.0.1:${t.served.port}/`);
    await anon.getByRole('alert').filter({ hasText: 'open the URL printed at start-up' }).waitFor();
    expect(await anon.getByText('No task sets yet').count()).toBe(0);
    expect(await anon.getByRole('button', { name: 'New task set' }).count()).toBe(0);
    await screenshot(anon, 'no-token');
    await anon.close();
  });

  it('5–6. the editor says what is missing in its own words; focus is visible; toasts leave the navigation free; 1024×700 shows whole values', async () => {
    const { page, errors } = await watchedPage(t.browser);
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.goto(t.served.url);
    await view(page, 'Task sets');
    await page.getByRole('button', { name: 'New task set' }).click();
    expect(await page.getByLabel('Budget A').getAttribute('placeholder')).not.toMatch(/Please/);
    await page.getByLabel('Task set name').fill('words');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Enter Budget A/);
    expect(await page.getByRole('alert').textContent()).not.toMatch(/finite number/);
    await page.getByLabel('Budget A').fill('100');
    await page.getByLabel('task 1 attention cost').fill('714361');
    await page.getByLabel('task 1 floor').fill('0.9');
    await page.getByLabel('task 1 cap').fill('0.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/task 1 (floor|cap)/);
    expect(await page.getByRole('alert').textContent()).not.toMatch(/set\.tasks|\[0\]/);
    // at 1024×700 every typed value is shown whole: the text drawn fits the box it is drawn in
    await page.getByLabel('task 1 name').fill('reviews');
    await page.getByLabel('task 1 time cost').fill('0.012345');
    await page.getByLabel('task 1 weight').fill('1.25');
    for (const label of ['task 1 name', 'task 1 attention cost', 'task 1 time cost', 'task 1 weight', 'task 1 floor', 'task 1 cap', 'Budget A', 'Task set name']) {
      const box = await page.getByLabel(label, { exact: true }).evaluate((el: HTMLInputElement) => {
        const s = getComputedStyle(el), ctx = document.createElement('canvas').getContext('2d')!;
        ctx.font = s.font;
        return { value: el.value, text: ctx.measureText(el.value).width, room: el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight), scroll: el.scrollWidth, client: el.clientWidth };
      });
      expect(box.value, label).not.toBe('');
      expect(box.text, `${label}: '${box.value}' is ${box.text.toFixed(1)} px in ${box.room} px`).toBeLessThanOrEqual(box.room);
      expect(box.scroll, label).toBeLessThanOrEqual(box.client);
      // and the box itself is in view, not cut off by the page or a scrolled table
      const [field, page_] = [(await page.getByLabel(label, { exact: true }).boundingBox())!, page.viewportSize()!];
      expect(field.x + field.width, `${label} ends at ${field.x + field.width} px of ${page_.width}`).toBeLessThanOrEqual(page_.width - 16);
    }
    const remove = (await page.getByRole('button', { name: 'Remove task 1' }).boundingBox())!;
    expect(remove.x + remove.width).toBeLessThanOrEqual(1024 - 16);
    await page.getByLabel('task 1 cap').fill('1');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    // the toast does not cover the navigation
    const toast = page.locator('.n-message').first();
    await toast.waitFor();
    const [nav, box] = [await page.getByRole('navigation', { name: 'views' }).boundingBox(), await toast.boundingBox()];
    expect(box!.y).toBeGreaterThan(nav!.y + nav!.height);
    await screenshot(page, 'task-set-1024');
    // keyboard focus: an outline on the focused button
    await page.getByRole('navigation', { name: 'views' }).getByRole('button', { name: 'Data' }).focus();
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    expect(errors.filter((e) => !/status of 400/.test(e)).join('\n')).toBe(''); // the refused save's 400 is the browser's own log
    // the same editor at 1024×700 in the dark
    const dark = await watchedPage(t.browser, { colorScheme: 'dark' });
    await dark.page.setViewportSize({ width: 1024, height: 700 });
    await dark.page.goto(t.served.url);
    await view(dark.page, 'Task sets');
    await dark.page.getByRole('button', { name: 'Edit words' }).click();
    await dark.page.getByLabel('task 1 name').waitFor();
    await dark.page.waitForTimeout(300);
    await screenshot(dark.page, 'task-set-1024-dark');
    expect(dark.errors.join('\n')).toBe('');
  });

  it('1. solves exactly the budget shown: 0 and -5 are refused with a reason, nothing is solved at the set\'s budget', async () => {
    const set = await t.lab.call('taskSets/create', { name: 'budget zero', budget: 100, tasks: [{ name: 'a', attentionCost: 50 }, { name: 'b', attentionCost: 80 }] });
    const { page, errors } = await watchedPage(t.browser);
    await openSolve(page, 'budget zero');
    const budget = page.getByLabel('Budget', { exact: true });
    for (const typed of ['0', '-5']) {
      await budget.fill(typed);
      await budget.blur();
      expect(await budget.inputValue()).toBe(typed); // what is shown is what is refused
      await solveButton(page).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toMatch(new RegExp(`Budget A must be more than 0 \\(it is ${typed}\\)`));
      expect(await page.getByRole('region', { name: 'solution' }).count()).toBe(0);
    }
    await budget.fill('');
    await solveButton(page).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Enter a budget A/);
    expect(await t.lab.call('solve/list', { taskSetId: set.id })).toEqual([]);
    // a positive budget is solved as typed, not replaced by the set's
    await budget.fill('40');
    await solveButton(page).click();
    await page.getByRole('region', { name: 'solution' }).waitFor();
    expect((await t.lab.call('solve/list', { taskSetId: set.id })).map((s) => s.params.budget)).toEqual([40]);
    expect(errors.join('\n')).toBe('');
  });

  it('2. the advised least budget of an infeasible set is feasible when followed', async () => {
    // a floor of 0.5 on a = 762,458.4: the least budget is 381,229.2, which rounds *down* to 381,200 at 4 digits
    await t.lab.call('taskSets/create', { name: 'floors', budget: 1000, tasks: [{ name: 'big', attentionCost: 762_458.4, floor: 0.5 }, { name: 'small', attentionCost: 10 }] });
    const { page, errors } = await watchedPage(t.browser);
    await openSolve(page, 'floors');
    await solveButton(page).click();
    const advised = page.getByTestId('advised-budget');
    await advised.waitFor();
    const typed = (await advised.textContent())!.replace(/,/g, '');
    expect(Number(typed)).toBeGreaterThanOrEqual(381_229.2);
    await screenshot(page, 'solve-infeasible');
    await page.getByLabel('Budget', { exact: true }).fill(typed); // the user types the advice
    await solveButton(page).click();
    await expect.poll(() => page.getByRole('region', { name: 'solution' }).getByText('optimal').count()).toBeGreaterThan(0);
    expect(await page.getByText('Infeasible', { exact: true }).count()).toBe(0);
    expect(errors.join('\n')).toBe('');
  });

  it('3. import takes the name of the file picked last, and a data set can be deleted in the app', async () => {
    const { page, errors } = await watchedPage(t.browser);
    await page.goto(t.served.url);
    await view(page, 'Data');
    writeFileSync(join(t.dir, 'broken.csv'), 'text,label\nonly one label,a\nsame label,a\n');
    writeFileSync(join(t.dir, 'good.csv'), toyCsv(120));
    await page.getByLabel('File to import').setInputFiles(join(t.dir, 'broken.csv'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/label/);
    await page.getByLabel('File to import').setInputFiles(join(t.dir, 'good.csv'));
    expect(await page.getByLabel('Data set name').inputValue()).toBe('good');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('region', { name: 'data set good' }).waitFor();
    expect((await t.lab.call('datasets/list', {})).map((d) => d.name)).toEqual(['good']);
    // a name the user typed is kept when another file is picked
    await page.getByLabel('Data set name').fill('my name');
    await page.getByLabel('File to import').setInputFiles(join(t.dir, 'broken.csv'));
    expect(await page.getByLabel('Data set name').inputValue()).toBe('my name');

    await page.getByRole('button', { name: 'Delete good' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(async () => (await t.lab.call('datasets/list', {})).length).toBe(0);
    await expect.poll(() => page.getByRole('button', { name: 'Delete good' }).count()).toBe(0);
    expect(errors.filter((e) => !/status of 400/.test(e)).join('\n')).toBe('');
  });

  it('4. unsaved task-set edits survive a switch of views, marked unsaved, and are not dropped without asking', async () => {
    await t.lab.call('taskSets/create', { name: 'drafted', budget: 10, tasks: [{ name: 'a', attentionCost: 5 }] });
    const { page, errors } = await watchedPage(t.browser);
    await page.goto(t.served.url);
    await view(page, 'Task sets');
    await page.getByRole('button', { name: 'Edit drafted' }).click();
    await page.getByLabel('task 1 name').fill('renamed task');
    await page.getByLabel('Budget A').fill('25');
    await view(page, 'Data');
    await view(page, 'Task sets');
    expect(await page.getByLabel('task 1 name').inputValue()).toBe('renamed task');
    expect(await page.getByLabel('Budget A').inputValue()).toBe('25');
    await page.getByRole('status').filter({ hasText: 'Unsaved changes' }).waitFor();
    await screenshot(page, 'task-set-unsaved');
    // opening another set asks first; "Keep editing" keeps the draft
    await page.getByRole('button', { name: 'New task set' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Keep editing' }).click();
    expect(await page.getByLabel('task 1 name').inputValue()).toBe('renamed task');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Unsaved changes' }).count()).toBe(0);
    const stored = (await t.lab.call('taskSets/list', {})).find((s) => s.name === 'drafted')!;
    expect((await t.lab.call('taskSets/get', { id: stored.id })).tasks.map((t) => t.name)).toEqual(['renamed task']);
    expect(errors.join('\n')).toBe('');
  });
});

describe('defects 7–9 in Runs and Compare', () => {
  const t = servedLab('attention-lab-e2e-runs-');
  /** Config columns picked from the menu, opened once; closed by Escape. */
  async function pickColumns(page: Page, labels: string[]) {
    await page.getByLabel('Config columns', { exact: true }).click();
    for (const l of labels) await page.locator('.n-base-select-option:visible', { hasText: new RegExp(`^${l}$`) }).click();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.n-base-selection .n-tag').allTextContents()).toEqual(labels);
  }

  it('8–9. a stopped run keeps its progress and resumes from it; learning rate, batch size and init-from columns; a run\'s final numbers per task, loss lowest first', async () => {
    await t.lab.call('datasets/import', { filename: 'fruit.csv', content: toyCsv(2000) });
    await t.lab.call('datasets/import', { filename: 'stones.csv', content: toyCsv(600, 2, [['cat', 'dog', 'cow'], ['oak', 'elm', 'ash']]) });
    const set = await t.lab.call('taskSets/create', { name: 'pair', budget: 1e9, tasks: [{ name: 'fruit', dataset: 'fruit' }, { name: 'stones', dataset: 'stones' }] });
    const { page, errors } = await watchedPage(t.browser);
    await page.goto(t.served.url);
    await view(page, 'Runs');
    await page.getByRole('heading', { name: 'Start runs' }).waitFor();

    // a run cancelled a quarter of the way: the table still says how far it got
    const [run] = await t.lab.call('runs/start', { taskSetId: set.id, epochs: 40, seeds: [1], lr: 0.01, batchSize: 16 });
    await nextEvent(t.lab, (e) => e.runId === run.id && e.phase === 'epoch 10 done');
    await t.lab.call('runs/cancel', { id: run.id });
    const status = page.locator(`tr[data-run="${run.id}"] td[data-col-key="status"]`);
    await expect.poll(() => status.textContent()).toMatch(/^cancelled at \d+ %$/);
    const at = Number((await status.textContent())!.match(/at (\d+) %/)![1]);
    expect(at).toBeGreaterThanOrEqual(25);
    await screenshot(page, 'runs-cancelled-light');

    // resumed: the bar starts where it stopped, never back at 0 %, and finishes
    await page.getByRole('link', { name: run.name }).click();
    await page.evaluate(`window.__bars = []; (function look() { const b = document.querySelector('[aria-label="run ${run.id} progress"] [aria-valuenow], [aria-label="run ${run.id} progress"][aria-valuenow]'); if (b) window.__bars.push(Number(b.getAttribute('aria-valuenow'))); if (window.__bars.length < 400) requestAnimationFrame(look); })()`);
    await page.getByRole('button', { name: `Resume run ${run.id}` }).click();
    await expect.poll(() => status.textContent()).toMatch(/^\d+ %( · .+ left)?$/);
    await screenshot(page, 'runs-resumed-light');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/completed/);
    const bars = await page.evaluate(() => (window as unknown as { __bars: number[] }).__bars);
    expect(bars.length).toBeGreaterThan(0);
    expect(Math.min(...bars)).toBeGreaterThanOrEqual(at);

    // learning rate, batch size and init-from, picked as columns
    const [next] = await t.lab.call('runs/start', { taskSetId: set.id, epochs: 1, seeds: [2], initFrom: run.id });
    expect((await t.lab.runs.wait(next.id)).status).toBe('completed');
    await pickColumns(page, ['learning rate', 'batch size', 'init from']);
    const cell = (id: number, key: string) => page.locator(`tr[data-run="${id}"] td[data-col-key="config:${key}"]`).textContent();
    await expect.poll(() => cell(next.id, 'initFrom')).toBe(`run ${run.id}`);
    expect([await cell(run.id, 'lr'), await cell(run.id, 'batchSize'), await cell(run.id, 'initFrom')]).toEqual(['0.01', '16', '—']);
    expect([await cell(next.id, 'lr'), await cell(next.id, 'batchSize')]).toEqual(['0.005', '32']);

    // the run's final numbers per task, at its last epoch: a row per metric, a column per task
    const finals = page.getByRole('table', { name: 'final numbers per task' });
    await expect.poll(() => finals.locator('thead th').allTextContents()).toHaveLength(1 + 2 + 1); // metric, two tasks, all tasks
    const stored = await t.lab.call('runs/metrics', { id: run.id });
    const last = (task: string, metric: string) => stored.filter((p) => p.task === task && p.metric === metric).at(-1)!.value;
    const tasks = async () => (await finals.locator('thead th').allTextContents()).slice(1, 3);
    const row = (metric: string) => finals.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${metric.replace('.', '\\.')}`) }) });
    // the tasks best first by test accuracy (the highest), exact values on hover, the best in bold
    const byAcc = ['fruit', 'stones'].sort((a, b) => last(b, 'test.accuracy') - last(a, 'test.accuracy'));
    expect(await tasks()).toEqual(byAcc);
    expect(await row('test.accuracy').locator('td').evaluateAll((tds) => tds.slice(0, 2).map((td) => td.getAttribute('title')))).toEqual(byAcc.map((task) => String(last(task, 'test.accuracy'))));
    for (const m of ['val.loss', 'train.loss']) expect(await row(m).getByRole('rowheader').textContent()).toMatch(/lower is better/);
    // ordered by a loss: the lowest first, and the lowest is the one in bold
    await row('val.loss').getByRole('link').click();
    const byLoss = ['fruit', 'stones'].sort((a, b) => last(a, 'val.loss') - last(b, 'val.loss'));
    await expect.poll(tasks).toEqual(byLoss);
    expect(await row('val.loss').locator('td.best').getAttribute('title')).toBe(String(last(byLoss[0], 'val.loss')));
    expect(await finals.locator('[aria-sort="ascending"]').textContent()).toMatch(/^val\.loss/);
    expect(await page.getByText(/^At epoch 40\. Tasks ordered best first by val\.loss/).count()).toBe(1);
    await page.waitForTimeout(400);
    await screenshot(page, 'runs-detail-light');
    expect(errors.join('\n')).toBe('');

    const dark = await watchedPage(t.browser, { colorScheme: 'dark' });
    await dark.page.goto(t.served.url);
    await view(dark.page, 'Runs');
    await pickColumns(dark.page, ['learning rate', 'batch size', 'init from']);
    await dark.page.getByRole('link', { name: run.name }).click();
    await dark.page.getByRole('table', { name: 'final numbers per task' }).waitFor();
    await dark.page.waitForTimeout(400);
    await screenshot(dark.page, 'runs-detail-dark');
    expect(dark.errors.join('\n')).toBe('');
  }, 180_000);
});

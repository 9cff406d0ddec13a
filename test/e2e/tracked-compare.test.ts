import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eBrowser, choose, screenshot, servedLab, view, watchedPage } from './browser';

const browserPath = e2eBrowser();

/** Runs imported from an MLflow store compare like the lab's own: grouped by a param, on a script's own metric key. */
describe.skipIf(!browserPath)('imported MLflow runs in Compare, in Chromium', () => {
  const ctx = servedLab('attention-lab-e2e-mlflow-');

  it('groups imported runs by a param into bands, with the param in the diff', async () => {
    // an mlruns folder as MLflow writes it: lr 0.1 and 0.01, two seeds each, "top1" by step
    const root = join(ctx.dir, 'mlruns');
    const write = (p: string, text: string) => { mkdirSync(join(p, '..'), { recursive: true }); writeFileSync(p, text); };
    write(join(root, '1', 'meta.yaml'), "experiment_id: '1'\nlifecycle_stage: active\nname: sweep\n");
    const runs = [['0.1', '1', 0.6], ['0.1', '2', 0.62], ['0.01', '1', 0.4], ['0.01', '2', 0.44]] as const;
    runs.forEach(([lr, seed, base], i) => {
      const id = String(i + 1).repeat(32), d = join(root, '1', id);
      write(join(d, 'meta.yaml'), `run_id: ${id}\nexperiment_id: '1'\nlifecycle_stage: active\nrun_name: lr ${lr} seed ${seed}\nstart_time: 1700000000000\nend_time: 1700000009000\nstatus: 3\n`);
      write(join(d, 'params', 'lr'), lr);
      write(join(d, 'params', 'seed'), seed);
      write(join(d, 'metrics', 'top1'), [0, 1, 2].map((s) => `${1700000001000 + s * 1000} ${base + s * 0.1} ${s}`).join('\n') + '\n');
    });
    expect(await ctx.lab.call('runs/importMlflow', { path: root })).toMatchObject({ runs: 4, problems: [] });
    const ids = (await ctx.lab.call('runs/list', { desc: false })).rows.map((r) => r.id);

    const { page, errors } = await watchedPage(ctx.browser);
    await page.goto(ctx.served.url);
    await view(page, 'Compare');
    for (const id of ids) await page.getByLabel(`select run ${id}`).check();
    // the script's own metric key, typed
    await page.getByLabel('Metric', { exact: true }).click();
    await page.keyboard.type('top1');
    await page.keyboard.press('Enter');
    const caption = page.getByTestId('chart-caption');
    await expect.poll(() => caption.textContent()).not.toMatch(/none of the selected runs/);
    await choose(page, 'Group by', 'lr');
    await expect.poll(() => caption.textContent()).toMatch(/^2 groups, bands of mean ± std over up to 2 runs/);
    await expect.poll(() => page.getByRole('table', { name: 'config diff' }).getByRole('row').allTextContents()).toContain('lr0.10.01');
    await screenshot(page, 'compare-imported-mlflow-runs');
    expect(errors.join('\n')).toBe('');
  }, 120_000);
});

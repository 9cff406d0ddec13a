/**
 * Compare benchmark (issue 7): 100 runs × 5 tasks × 200 epochs. The comparison query
 * (runs/compare: curves of every run, grouped, final table, diff) against reading the raw
 * log; then the compare view in Chromium, every run selected, its render time read from
 * the page's performance marks (request sent → ECharts finished drawing).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../src-main/lab';
import { serve } from '../../src-main/server';
import * as store from '../../src-main/store';
import { buildRenderer, launch } from '../e2e/browser';
import { median, printTable } from './report';

const RUNS = 100, TASKS = 5, EPOCHS = 200;

export async function benchCompare(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-bench-compare-'));
  const lab = new Lab(join(dir, 'lab.db'));
  const served = await serve({ lab, rendererDir: buildRenderer() });
  const browser = await launch();
  try {
    const policies = ['uniform', 'size', 'lp', 'curve'];
    const ids: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const policy = policies[r % 4];
      const run = store.createRun(lab.db, { name: `bench ${r}`, seed: Math.floor(r / 4), config: { policy, model: 'bag', epochs: EPOCHS } });
      const points = [];
      for (let e = 0; e <= EPOCHS; e++)
        for (let t = 0; t < TASKS; t++)
          for (const metric of ['test.accuracy', 'val.accuracy', 'val.loss'])
            points.push({ epoch: e, step: e * 100, task: `task ${t}`, metric, value: 0.5 + 0.4 * (1 - Math.exp(-e / (20 + t + (r % 4) * 5))) + 0.01 * Math.sin(r + e), attention: e * 1e5, wallMs: e * 900 });
      store.appendMetrics(lab.db, run.id, points);
      store.setRunStatus(lab.db, run.id, 'completed');
      ids.push(run.id);
    }
    /** Median of 5 awaited calls. */
    const timed = async (fn: () => Promise<unknown>) => {
      const t: number[] = [];
      for (let k = 0; k < 5; k++) {
        const t0 = performance.now();
        await fn();
        t.push(performance.now() - t0);
      }
      return t.sort((a, b) => a - b)[2];
    };
    const query = await timed(() => lab.call('runs/compare', { ids, groupBy: 'policy' }));
    const perTaskMs = await timed(() => lab.call('runs/compare', { ids, groupBy: 'policy', perTask: true }));
    const queryMs = median(5, () => store.readCurves(lab.db, ids, 'test.accuracy'));
    const raw = median(3, () => ids.map((id) => store.readMetrics(lab.db, id)));

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(served.url);
    await page.getByRole('navigation', { name: 'views' }).getByRole('button', { name: 'Compare' }).click();
    const render = async () => {
      await page.evaluate(() => performance.clearMeasures());
      await page.getByRole('button', { name: 'Clear' }).click();
      await page.getByRole('button', { name: 'Select all shown' }).click();
      await page.getByTestId('chart-caption').waitFor();
      await page.waitForFunction(() => performance.getEntriesByName('compare').length > 0);
      const ms = await page.evaluate(() => performance.getEntriesByName('compare')[0].duration);
      return ms;
    };
    const grouped = await render();
    await page.getByLabel('Group by', { exact: true }).click();
    await page.locator('.n-base-select-option:visible', { hasText: /^seed$/ }).click();
    const bySeed = await render();
    printTable(`Compare: ${RUNS} runs × ${TASKS} tasks × ${EPOCHS} epochs (${(RUNS * TASKS * (EPOCHS + 1) * 3).toLocaleString('en-US')} points stored)`, [
      { case: 'runs/compare, grouped by policy (mean over tasks)', value: query, unit: 'ms', baseline: raw, target: '< 50 ms', pass: query < 50 },
      { case: 'runs/compare, per task (20 band series)', value: perTaskMs, unit: 'ms', baseline: raw, target: '< 50 ms', pass: perTaskMs < 50 },
      { case: 'curves alone (packed series read)', value: queryMs, unit: 'ms', baseline: raw },
      { case: 'compare view in Chromium: request → chart drawn (4 policy bands)', value: grouped, unit: 'ms', target: '< 500 ms', pass: grouped < 500 },
      { case: 'compare view, grouped by seed (25 groups)', value: bySeed, unit: 'ms', baseline: grouped, target: '< 500 ms', pass: bySeed < 500 },
    ]);
    console.log(`baseline: every run's raw metric log read (readMetrics × ${RUNS})`);
  } finally {
    await browser.close();
    await served.close();
    lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

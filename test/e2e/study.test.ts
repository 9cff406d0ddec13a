import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toyCsv } from '../unit/helpers/toy';
import { choose, screenshot, servedLab, view, watchedPage } from './browser';

/**
 * The analyst's curve workflow in the app: fit learning curves to a pilot, solve `curve`
 * with them, run a study of 2 policies × 2 seeds at 1 epoch from its screen, read its
 * report, open its runs in Compare; and cancel a study.
 */
describe('curves and the study, in the app', () => {
  const t = servedLab('attention-lab-e2e-study-');
  let setId: number;
  let pilotId: number;
  beforeAll(async () => {
    await t.lab.call('datasets/import', { filename: 'fruit.csv', content: toyCsv(400) });
    await t.lab.call('datasets/import', { filename: 'stones.csv', content: toyCsv(400, 2, [['cat', 'dog', 'cow'], ['oak', 'elm', 'ash']]) });
    const set = await t.lab.call('taskSets/create', { name: 'pair', budget: 1, tasks: [{ name: 'fruit', dataset: 'fruit' }, { name: 'stones', dataset: 'stones' }] });
    const total = set.tasks.reduce((s, t) => s + t.attentionCost, 0);
    await t.lab.call('taskSets/update', { id: set.id, set: { name: 'pair', budget: Math.round(total / 2), tasks: set.tasks.map((t) => ({ name: t.name, dataset: t.datasetName })) } });
    setId = set.id;
    // the pilot: uniform at a quarter of a full pass, 3 epochs
    const [pilot] = await t.lab.call('runs/start', { taskSetId: set.id, policy: 'uniform', budget: total / 4, epochs: 3, name: 'pilot' });
    pilotId = pilot.id;
    expect((await t.lab.runs.wait(pilot.id)).status).toBe('completed');
  }, 120_000);


  it('fits curves to the pilot, shows each over its points, and solves `curve` with them (or with curves typed by hand)', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { page, errors } = await watchedPage(t.browser, { colorScheme: scheme });
      const sweeps: string[] = []; // the policy each Pareto sweep asked for
      page.on('request', (r) => { if (r.url().endsWith('/api/solve/sweep')) sweeps.push(JSON.parse(r.postData()!).policy); });
      await page.goto(t.served.url);
      await view(page, 'Solve');
      await choose(page, 'Policy', 'curve');
      const curves = page.getByRole('region', { name: 'learning curves' });
      if (scheme === 'light') {
        // without curves the solve is refused in the app's words
        await page.getByRole('region', { name: 'Solve an allocation' }).getByRole('button', { name: 'Solve', exact: true }).click();
        await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/needs learning curves: fit them from runs or type them/);
        await curves.getByRole('button', { name: 'Fit from runs…' }).click();
        await curves.getByRole('checkbox', { name: new RegExp(`^run ${pilotId}:`) }).click();
        await curves.getByRole('button', { name: 'Fit curves' }).click();
      }
      const table = curves.getByRole('table', { name: 'fitted curves' });
      await expect.poll(() => table.getByRole('row').count()).toBe(3);
      expect(await table.getByRole('row', { name: /^fruit / }).textContent()).toMatch(/fruit[\d.]+[\d.]+[\d.]+[\d.e-]+3/); // α β γ RMSE, 3 points
      await curves.getByRole('img', { name: 'fitted learning curves over their points' }).waitFor();
      await page.getByRole('region', { name: 'Solve an allocation' }).getByRole('button', { name: 'Solve', exact: true }).click();
      const solution = page.getByRole('region', { name: 'solution' });
      await solution.getByText(/Predicted weighted accuracy after 5 epochs: [\d.]+ %/).waitFor();
      expect(await solution.getByText('optimal').count()).toBeGreaterThan(0);
      // the frontier is the curve policy's own: predicted accuracy by budget, not lp's Σ w·π
      await solution.getByRole('img', { name: 'Pareto frontier: predicted accuracy against budget (curve)' }).waitFor();
      expect(sweeps).toEqual(['curve']);
      await page.waitForTimeout(300);
      await screenshot(page, `solve-curve-${scheme}`);
      expect(errors.join('\n')).toBe('');
      await page.close();
    }
    const [fit] = await t.lab.call('curves/list', { taskSetId: setId });
    expect(fit).toMatchObject({ source: 'runs', runIds: [pilotId] });
    const solves = await t.lab.call('solve/list', { taskSetId: setId });
    expect(solves.at(-1)).toMatchObject({ policy: 'curve', params: { curveFitId: fit.id, epochs: 5 } });

    // by hand: α, β, γ typed per task, stored, and solved with
    const { page } = await watchedPage(t.browser);
    await page.goto(t.served.url);
    await view(page, 'Solve');
    await choose(page, 'Policy', 'curve');
    await page.getByRole('button', { name: 'Type α, β, γ…' }).click();
    await page.getByLabel('stones beta').fill('3');
    await page.getByRole('button', { name: 'Save these curves' }).click();
    await expect.poll(async () => (await t.lab.call('curves/list', { taskSetId: setId })).length).toBe(2);
    const [typed] = await t.lab.call('curves/list', { taskSetId: setId });
    expect(typed.source).toBe('manual');
    expect(typed.tasks.find((t) => t.task === 'stones')!.curve.beta).toBe(3);
    await page.close();
  }, 120_000);

  it('runs a study of 2 policies × 2 seeds at 1 epoch from its screen, shows its report, exports it, and opens its runs in Compare', async () => {
    const { page, errors } = await watchedPage(t.browser);
    await page.goto(t.served.url);
    await view(page, 'Study');
    await page.getByText('No studies yet').waitFor();
    await page.getByRole('checkbox', { name: 'lp', exact: true }).uncheck();
    await page.getByLabel('Seeds per policy').fill('2');
    await page.getByLabel('Epochs per run').fill('1');
    await page.getByLabel('Pilot epochs').fill('3');
    await page.getByText('4 runs of 1 epoch, after the pilot').waitFor();
    await page.getByRole('button', { name: 'Start study' }).click();
    const study = page.getByRole('region', { name: /^study \d+$/ });
    await study.getByRole('progressbar').waitFor();
    await expect.poll(() => study.textContent(), { timeout: 30_000 }).toMatch(/training (the pilot|every policy)/);
    await expect.poll(() => study.textContent(), { timeout: 30_000 }).toMatch(/about [\d]+( min [\d]+)? s left/);
    await screenshot(page, 'study-running');
    await expect.poll(() => study.getByRole('table', { name: 'accuracy per policy and task' }).count(), { timeout: 180_000 }).toBe(1);
    const [stored] = await t.lab.call('studies/list', {});
    expect(stored).toMatchObject({ status: 'completed', options: { policies: ['uniform', 'curve'], seeds: [1, 2], epochs: 1 } });
    expect(Object.values(stored.runIds).map((ids) => ids.length)).toEqual([2, 2]);
    // the numbers that must hold, from the study's own runs: two completed 1-epoch runs per policy, one per seed
    const runsOf = async (policy: string) => Promise.all(stored.runIds[policy].map((id) => t.lab.call('runs/get', { id })));
    for (const policy of ['uniform', 'curve']) {
      const rs = await runsOf(policy);
      expect(rs.map((r) => [r.status, r.seed, r.config.epochs, r.config.policy])).toEqual([['completed', 1, 1, policy], ['completed', 2, 1, policy]]);
    }
    const cmp = await t.lab.call('runs/compare', { ids: Object.values(stored.runIds).flat(), metric: 'test.accuracy' });
    const final = new Map(cmp.runs.map((r) => [r.id, r.final]));
    const weighted = (id: number) => (final.get(id)!.fruit! + final.get(id)!.stones!) / 2; // both weights 1
    const cells = async (table: string, row: RegExp) => (await study.getByRole('table', { name: table }).getByRole('row', { name: row }).getByRole('cell').allTextContents());
    const near = (shown: number, want: number, tol: number) => expect(Math.abs(shown - want), `${shown} shown for ${want}`).toBeLessThanOrEqual(tol);
    const percents = (cs: string[]) => cs.flatMap((c) => [...c.matchAll(/([−-]?\d+\.\d+)/g)].map((m) => Number(m[1].replace('−', '-'))));
    for (const policy of ['uniform', 'curve']) {
      // shown: per task and weighted, mean ± std over the 2 seeds, each an accuracy in [0, 100] %
      const row = await cells('accuracy per policy and task', new RegExp(`^${policy} `));
      const shown = percents(row.slice(1, 4));
      expect(shown).toHaveLength(6);
      for (const v of shown) expect(v >= 0 && v <= 100, `${policy}: ${v}`).toBe(true);
      const ws = stored.runIds[policy].map(weighted);
      near(shown[4], (100 * (ws[0] + ws[1])) / 2, 0.051); // the weighted mean of its own runs, shown to 0.1
      near(shown[5], (100 * Math.abs(ws[0] - ws[1])) / Math.SQRT2, 0.051); // the std of two
    }
    // paired by seed: the mean of the per-seed differences, in points, with its interval around it
    const d = [0, 1].map((k) => 100 * (weighted(stored.runIds.curve[k]) - weighted(stored.runIds.uniform[k])));
    const paired = await cells('difference to uniform', /^curve /);
    const [mean, low, high] = percents(paired.slice(1, 3));
    near(mean, (d[0] + d[1]) / 2, 0.0051); // shown to 0.01
    expect(low).toBeLessThanOrEqual(mean);
    expect(high).toBeGreaterThanOrEqual(mean);
    near(high - low, (2 * 12.706 * (Math.abs(d[0] - d[1]) / Math.SQRT2)) / Math.SQRT2, 0.011); // t(1) · sd / √2, both sides
    expect(paired[3]).toBe('2');
    expect(paired[4]).toBe(low > 0 ? 'better than uniform' : high < 0 ? 'worse than uniform' : 'no clear difference');
    // predicted against achieved: one row per policy and task; achieved is the per-task mean above
    const predicted = study.getByRole('table', { name: 'predicted against achieved' });
    expect(await predicted.getByRole('row').count()).toBe(1 + 2 * 2);
    const achieved = percents((await cells('predicted against achieved', /^curve stones /)).slice(4, 5))[0];
    near(achieved, (100 * (final.get(stored.runIds.curve[0])!.stones! + final.get(stored.runIds.curve[1])!.stones!)) / 2, 0.051);
    await study.getByRole('img', { name: 'predicted against achieved accuracy per task' }).waitFor();
    await page.waitForTimeout(400);
    await screenshot(page, 'study-report-light');

    // export: report.md as the CLI writes it, and its PNG charts
    const downloads: { name: string; body: Buffer }[] = [];
    page.on('download', async (d) => downloads.push({ name: d.suggestedFilename(), body: readFileSync((await d.path())!) }));
    await study.getByRole('button', { name: 'Export Markdown + PNG' }).click();
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(4); // report.md, curves.png, one chart per task
    const md = downloads.find((d) => d.name === `study-${stored.id}-report.md`)!.body.toString();
    expect(md).toBe(stored.markdown);
    for (const section of ['## Pilot and learning curves', '## Test accuracy per policy and task', '## Against uniform, paired by seed', '## Predicted against achieved']) expect(md).toContain(section);
    expect(downloads.find((d) => d.name.endsWith('curves.png'))!.body.subarray(1, 4).toString()).toBe('PNG');

    // its runs in Compare, picked, grouped by policy
    await study.getByRole('button', { name: 'Open its runs in Compare' }).click();
    await expect.poll(() => page.getByTestId('chart-caption').textContent()).toMatch(/^2 groups, bands of mean ± std over up to 2 runs/);
    for (const id of Object.values(stored.runIds).flat()) expect(await page.getByLabel(`select run ${id}`).isChecked()).toBe(true);
    await screenshot(page, 'study-compare');
    expect(errors.join('\n')).toBe('');

    // dark, reopened from the list
    const dark = await watchedPage(t.browser, { colorScheme: 'dark' });
    await dark.page.goto(t.served.url);
    await view(dark.page, 'Study');
    await dark.page.getByRole('button', { name: `Open study ${stored.id}` }).click();
    await dark.page.getByRole('table', { name: 'accuracy per policy and task' }).waitFor();
    await dark.page.waitForTimeout(400);
    await screenshot(dark.page, 'study-report-dark');
    expect(dark.errors.join('\n')).toBe('');
  }, 300_000);

  it('cancels a running study: its runs stop, what they logged stays, the study says cancelled', async () => {
    const { page, errors } = await watchedPage(t.browser);
    await page.goto(t.served.url);
    await view(page, 'Study');
    await page.getByLabel('Epochs per run').fill('3');
    await page.getByRole('button', { name: 'Start study' }).click();
    const study = page.getByRole('region', { name: /^study \d+$/ });
    await study.getByRole('button', { name: 'Cancel study' }).click();
    await expect.poll(() => study.textContent()).toMatch(/The study cancelled/);
    const [s] = await t.lab.call('studies/list', {});
    expect(s.status).toBe('cancelled');
    const pilot = await t.lab.call('runs/get', { id: s.pilotRunId! });
    expect(pilot.status).toBe('cancelled');
    await screenshot(page, 'study-cancelled');
    expect(errors.join('\n')).toBe('');
  }, 60_000);
});

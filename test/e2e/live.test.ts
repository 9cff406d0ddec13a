import type { Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src-main/api/schemas';
import * as store from '../../src-main/store';
import { addRun } from '../unit/helpers/runs';
import { toyCsv } from '../unit/helpers/toy';
import { servedLab, view, watchedPage } from './browser';

/**
 * Runs training while Compare is open (issue 21): a compared run redraws as its epochs
 * land; a run not compared costs Compare nothing. The trainer is held still (SIGSTOP) the
 * moment each of its epochs is stored, so the page is looked at mid-training however fast
 * the machine trains, and released (SIGCONT) when the test says so.
 */
describe.skipIf(process.platform === 'win32')('live runs in Compare', () => {
  const t = servedLab('attention-lab-e2e-live-');
  let setId: number;
  beforeAll(async () => {
    await t.lab.call('datasets/import', { filename: 'fruit.csv', content: toyCsv(400) });
    setId = (await t.lab.call('taskSets/create', { name: 'fruit', budget: 1e9, tasks: [{ name: 'fruit', dataset: 'fruit' }] })).id;
  });

  /** Stops the run's trainer after each epoch it stores; `next()` lets it train on to the next one. */
  const holds: { release: () => void }[] = [];
  afterEach(() => holds.splice(0).forEach((h) => h.release()));
  function holdEachEpoch(runId: number) {
    const pid = () => store.getRun(t.lab.db, runId).environment.trainerPid as number;
    let stopped: () => void = () => {};
    let next = new Promise<void>((r) => (stopped = r));
    let held = true;
    const on = (e: ProgressEvent) => {
      if (e.runId !== runId || !e.epochDone || !held) return;
      process.kill(pid(), 'SIGSTOP'); // in the event's own turn: the stored epochs are those the event names (and any already on their way)
      stopped();
    };
    t.lab.events.on('progress', on);
    const h = {
      /** resolves once the trainer is held after an epoch */
      stopped: () => next,
      next: () => { next = new Promise<void>((r) => (stopped = r)); process.kill(pid(), 'SIGCONT'); return next; },
      release: () => { held = false; t.lab.events.off('progress', on); try { process.kill(pid(), 'SIGCONT'); } catch { /* gone */ } },
    };
    holds.push(h);
    return h;
  }
  const storedEpochs = async (id: number) => Math.max(-1, ...(await t.lab.call('runs/metrics', { id })).filter((p) => p.metric === 'test.accuracy').map((p) => p.epoch));
  const shownEpochs = async (page: Page) => Number((await page.getByTestId('chart-caption').textContent())?.match(/x from 0 to (\d+)/)?.[1] ?? -1);
  /** The page on a view, with each API request it makes from then on: the call's name and its input. */
  async function open(name: string) {
    const { page, errors } = await watchedPage(t.browser);
    const asked: { call: string; input: { id?: number; ids?: number[] } }[] = [];
    page.on('request', (r) => { if (r.url().includes('/api/') && r.method() === 'POST') asked.push({ call: new URL(r.url()).pathname.slice(5), input: JSON.parse(r.postData() ?? '{}') }); });
    await page.goto(t.served.url);
    await view(page, name);
    return { page, errors, asked };
  }
  async function compare(ids: number[]) {
    const opened = await open('Compare');
    for (const id of ids) await opened.page.getByLabel(`select run ${id}`).check();
    return { ...opened, compared: () => opened.asked.filter((a) => a.call === 'runs/compare').map((a) => a.input.ids) };
  }

  it('redraws a compared run as each of its epochs is stored', async () => {
    const [run] = await t.lab.call('runs/start', { taskSetId: setId, policy: 'uniform', epochs: 30, name: 'live' });
    const hold = holdEachEpoch(run.id);
    await hold.stopped();
    const { page, errors } = await compare([run.id]);
    // what is stored, drawn (the trainer is held: nothing more lands meanwhile)
    await expect.poll(async () => ((await shownEpochs(page)) === (await storedEpochs(run.id)) ? 'drawn' : 'not yet'), { timeout: 10_000 }).toBe('drawn');
    expect(await shownEpochs(page)).toBeGreaterThanOrEqual(0); // epoch 0: the untrained model, evaluated
    // two more epochs, each redrawn with nothing clicked, while the run is still training
    for (let i = 0; i < 2; i++) {
      const before = await shownEpochs(page);
      await hold.next();
      await expect.poll(async () => { const [shown, stored] = [await shownEpochs(page), await storedEpochs(run.id)]; return shown > before && shown === stored ? 'redrawn' : `${shown} of ${stored}`; }, { timeout: 10_000 }).toBe('redrawn');
    }
    expect((await t.lab.call('runs/get', { id: run.id })).status).toBe('running');
    expect(await shownEpochs(page)).toBeLessThan(30);
    await t.lab.call('runs/cancel', { id: run.id });
    expect(errors.join('\n')).toBe('');
    await page.close();
  }, 60_000);

  it('asks nothing of the server for a run that trains without being compared', async () => {
    const planted = addRun(t.lab.db, { policy: 'lp', seed: 1, base: 0.6, name: 'planted' });
    const { page, errors, compared } = await compare([planted]);
    await expect.poll(() => shownEpochs(page), { timeout: 10_000 }).toBe(3);
    await page.waitForTimeout(300); // the picking's own request has been made
    const settled = compared().length;
    expect(compared().every((ids) => ids?.join() === String(planted))).toBe(true);
    // another run trains to the end meanwhile; the page hears each of its epochs (its row reads completed)
    const [other] = await t.lab.call('runs/start', { taskSetId: setId, policy: 'uniform', epochs: 3, name: 'elsewhere' });
    expect((await t.lab.runs.wait(other.id)).status).toBe('completed');
    const row = page.getByRole('region', { name: 'runs to compare' }).locator('tr').filter({ hasText: 'elsewhere' });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/completed/);
    expect(compared().slice(settled)).toEqual([]);
    expect(await shownEpochs(page)).toBe(3);
    expect(errors.join('\n')).toBe('');
    await page.close();
  }, 60_000);

  it('the Runs view shows the run picked last, though an earlier pick\'s answer comes back later', async () => {
    const first = addRun(t.lab.db, { policy: 'lp', seed: 1, base: 0.6, name: 'picked first' });
    const last = addRun(t.lab.db, { policy: 'lp', seed: 2, base: 0.6, name: 'picked last' });
    const { page, errors } = await open('Runs');
    let held = 0;
    await page.route('**/api/runs/get', async (route) => {
      if (JSON.parse(route.request().postData() ?? '{}').id === first) { held++; await new Promise((r) => setTimeout(r, 1_500)); }
      await route.continue();
    });
    const table = page.getByRole('region', { name: 'runs' });
    await table.getByRole('link', { name: 'picked first' }).click();
    await table.getByRole('link', { name: 'picked last' }).click();
    await page.getByRole('region', { name: `run ${last}` }).waitFor();
    await page.waitForTimeout(2_500); // the first pick's answer has come back meanwhile
    expect(held).toBeGreaterThan(0);
    expect(await page.locator('.detail-side h2').textContent()).toMatch(new RegExp(`^Run ${last}: picked last`));
    expect(errors.join('\n')).toBe('');
    await page.close();
  }, 60_000);

  it("follows the open run's epochs in the Runs view, and asks nothing for it while another run trains", async () => {
    const [run] = await t.lab.call('runs/start', { taskSetId: setId, policy: 'uniform', epochs: 30, name: 'open one' });
    const hold = holdEachEpoch(run.id);
    await hold.stopped();
    const { page, errors, asked } = await open('Runs');
    await page.getByRole('region', { name: 'runs' }).getByRole('link', { name: 'open one' }).click();
    const detail = page.getByRole('region', { name: `run ${run.id}` });
    const at = async () => Number((await detail.textContent())?.match(/At epoch (\d+)\./)?.[1] ?? -1);
    await expect.poll(async () => ((await at()) === (await storedEpochs(run.id)) ? 'shown' : 'not yet'), { timeout: 10_000 }).toBe('shown');
    // an epoch lands: its final numbers and its curve are read again, with nothing clicked
    const before = await at(), sent = asked.length;
    await hold.next();
    await expect.poll(async () => { const [shown, stored] = [await at(), await storedEpochs(run.id)]; return shown > before && shown === stored ? 'redrawn' : `${shown} of ${stored}`; }, { timeout: 10_000 }).toBe('redrawn');
    expect(asked.slice(sent).filter((a) => a.call === 'runs/curves').map((a) => a.input.ids)).toContainEqual([run.id]);
    await t.lab.call('runs/cancel', { id: run.id });
    await detail.getByText('cancelled', { exact: true }).first().waitFor();
    await page.waitForTimeout(300); // the cancel's own re-reads have been made
    // another run trains to the end; the open run's detail asks nothing meanwhile
    const quiet = asked.length;
    const [other] = await t.lab.call('runs/start', { taskSetId: setId, policy: 'uniform', epochs: 3, name: 'not open' });
    expect((await t.lab.runs.wait(other.id)).status).toBe('completed');
    const row = page.getByRole('region', { name: 'runs' }).locator('tr').filter({ hasText: 'not open' });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/completed/);
    expect(asked.slice(quiet).filter((a) => ['runs/get', 'runs/curves', 'runs/metrics'].includes(a.call))).toEqual([]);
    expect(errors.join('\n')).toBe('');
    await page.close();
  }, 60_000);
});

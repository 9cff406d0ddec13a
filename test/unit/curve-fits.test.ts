import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import { perEpoch } from '../../src-main/study/fit';
import { toyCsv } from './helpers/toy';

/** Learning curves fitted to runs (a pilot), stored, and solved with: the calls the app and the CLI share. */
describe('learning-curve fits from runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-fits-'));
  const lab = new Lab(join(dir, 'lab.db'));
  afterAll(() => lab.close());

  it('fits each task of a pilot, stores the fit, and the curve policy solves with it', async () => {
    await lab.call('datasets/import', { filename: 'fruit.csv', content: toyCsv(300) });
    await lab.call('datasets/import', { filename: 'animals.csv', content: toyCsv(300, 2, [['cat', 'dog', 'cow'], ['oak', 'elm', 'ash']]) });
    const set = await lab.call('taskSets/create', { name: 'pair', budget: 1e9, tasks: [{ name: 'fruit', dataset: 'fruit' }, { name: 'animals', dataset: 'animals' }] });
    const other = await lab.call('taskSets/create', { name: 'other', budget: 1e9, tasks: [{ name: 'fruit', dataset: 'fruit' }] });
    const [pilot] = await lab.call('runs/start', { taskSetId: set.id, policy: 'uniform', budget: set.tasks.reduce((s, t) => s + t.attentionCost, 0) / 2, epochs: 3 });
    const [elsewhere] = await lab.call('runs/start', { taskSetId: other.id, policy: 'uniform', epochs: 1 });
    await expect(lab.call('curves/fit', { runIds: [pilot.id] })).rejects.toThrow(/only completed runs can be fitted: run \d+ is (queued|running)/);
    expect((await lab.runs.wait(pilot.id)).status).toBe('completed');
    expect((await lab.runs.wait(elsewhere.id)).status).toBe('completed');
    await expect(lab.call('curves/fit', { runIds: [pilot.id, elsewhere.id] })).rejects.toThrow(/runs of one task set/);

    const fit = await lab.call('curves/fit', { runIds: [pilot.id] });
    expect(fit).toMatchObject({ taskSetId: set.id, source: 'runs', runIds: [pilot.id], name: `fit of run ${pilot.id}` });
    expect(fit.tasks.map((t) => t.task)).toEqual(['fruit', 'animals']);
    const metrics = await lab.call('runs/metrics', { id: pilot.id });
    for (const t of fit.tasks) {
      // one point per epoch: the examples the task had seen, and its validation accuracy then
      const acc = metrics.filter((p) => p.task === t.task && p.metric === 'val.accuracy' && p.epoch > 0).map((p) => p.value);
      expect(t.points.map((p) => p.acc).sort()).toEqual([...acc].sort());
      expect(t.points.map((p) => p.n)).toEqual([...t.points.map((p) => p.n)].sort((a, b) => a - b));
      expect(t.points[0].n).toBeGreaterThan(0);
      expect(t.rmse).toBeGreaterThanOrEqual(0);
      expect(t.fallback === null || /did not rise|usable point/.test(t.fallback)).toBe(true);
    }
    expect((await lab.call('curves/list', { taskSetId: set.id })).map((f) => f.id)).toEqual([fit.id]);

    // the curve policy with the stored fit, for a run of 4 epochs, is the curve policy with the fit's curves read per epoch
    const byFit = await lab.call('solve/run', { taskSetId: set.id, policy: 'curve', budget: 2000, curveFitId: fit.id, epochs: 4 });
    const curves = Object.fromEntries(fit.tasks.map((t) => [t.task, perEpoch(t.curve, 4)]));
    const byHand = await lab.call('solve/run', { taskSetId: set.id, policy: 'curve', budget: 2000, curves });
    expect(byFit.status).not.toBe('infeasible');
    expect(byFit.pi).toEqual(byHand.pi);
    expect(byFit.params).toMatchObject({ curveFitId: fit.id, epochs: 4 });
    // a fit belongs to its task set
    await expect(lab.call('solve/run', { taskSetId: other.id, policy: 'curve', curveFitId: fit.id })).rejects.toThrow(/belong to another task set/);
  }, 120_000);

  it('stores curves typed by hand, one per task, and refuses a missing or unknown task', async () => {
    const set = await lab.call('taskSets/create', { name: 'typed', budget: 100, tasks: [{ name: 'a', attentionCost: 100 }, { name: 'b', attentionCost: 100 }] });
    await expect(lab.call('curves/save', { taskSetId: set.id, curves: { a: { alpha: 0.9, beta: 1, gamma: 0.5 } } })).rejects.toThrow(/missing b/);
    await expect(lab.call('curves/save', { taskSetId: set.id, curves: { a: { alpha: 0.9, beta: 1, gamma: 0.5 }, b: { alpha: 0.9, beta: 1, gamma: 0.5 }, c: { alpha: 1, beta: 1, gamma: 1 } } })).rejects.toThrow(/no task named c/);
    const typed = await lab.call('curves/save', { taskSetId: set.id, name: 'my guess', curves: { a: { alpha: 0.9, beta: 1, gamma: 0.5 }, b: { alpha: 0.6, beta: 0.2, gamma: 0.5 } } });
    expect(typed).toMatchObject({ source: 'manual', name: 'my guess', runIds: [] });
    expect(typed.tasks.map((t) => [t.task, t.rmse, t.points.length])).toEqual([['a', null, 0], ['b', null, 0]]);
    // a steep curve gets more of the budget than a flat one
    const s = await lab.call('solve/run', { taskSetId: set.id, policy: 'curve', curveFitId: typed.id });
    expect(s.pi[0]).toBeGreaterThan(s.pi[1]);
    await lab.call('curves/delete', { id: typed.id });
    await expect(lab.call('curves/get', { id: typed.id })).rejects.toThrow(/does not exist/);
  });
});

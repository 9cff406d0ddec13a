import { describe, expect, it } from 'vitest';
import { compareChartOption, LEGEND_MAX } from '../../src-main/compare/chart';
import { Lab } from '../../src-main/lab';
import { addRun } from './helpers/runs';
import { seedLike } from './helpers/tmp';

/** The comparison's wrong answers (issue 16), each pinned by the number a user would read. */
describe('what the comparison says', () => {
  it('lists every field that varies, within groups too: grouped by seed, lp and uniform still differ by policy', async () => {
    const lab = new Lab(':memory:');
    const ids = [addRun(lab.db, { policy: 'lp', seed: 1, base: 0.5 }), addRun(lab.db, { policy: 'lp', seed: 2, base: 0.5 }), addRun(lab.db, { policy: 'uniform', seed: 1, base: 0.4 }), addRun(lab.db, { policy: 'uniform', seed: 2, base: 0.4 })];
    const c = await lab.call('runs/compare', { ids, groupBy: 'seed' });
    expect(c.diff).toEqual([
      { field: 'policy', values: [{ group: '1', value: 'lp, uniform' }, { group: '2', value: 'lp, uniform' }] },
      { field: 'seed', values: [{ group: '1', value: '1' }, { group: '2', value: '2' }] },
    ]);
    const byPolicy = await lab.call('runs/compare', { ids, groupBy: 'policy' });
    expect(byPolicy.diff.map((d) => d.field)).toEqual(['policy', 'seed']);
    lab.close();
  });

  it('names the task set when runs span two, warns that their means compare different tasks, and ranks within each set', async () => {
    const lab = new Lab(':memory:');
    const s1 = await lab.call('taskSets/create', seedLike({ name: 'easy' }));
    const s2 = await lab.call('taskSets/create', seedLike({ name: 'hard' }));
    const ids = [
      addRun(lab.db, { policy: 'lp', seed: 1, base: 0.8, taskSetId: s1.id, epochs: 3 }),
      addRun(lab.db, { policy: 'uniform', seed: 1, base: 0.7, taskSetId: s1.id, epochs: 3 }),
      addRun(lab.db, { policy: 'lp', seed: 1, base: 0.3, taskSetId: s2.id, epochs: 5 }),
      addRun(lab.db, { policy: 'uniform', seed: 1, base: 0.4, taskSetId: s2.id, epochs: 5 }),
    ];
    const c = await lab.call('runs/compare', { ids, groupBy: 'policy' });
    expect(c.diff.map((d) => d.field)).toEqual(['epochs', 'policy', 'taskSet']);
    expect(c.diff.find((d) => d.field === 'taskSet')!.values).toEqual([{ group: 'lp', value: 'easy, hard' }, { group: 'uniform', value: 'easy, hard' }]);
    expect(c.warnings).toEqual([expect.stringMatching(/span 2 task sets \(easy, hard\).*ranked only within their task set/)]);
    // one best per set: the hard set's best (uniform) is far below the easy set's worst
    expect(c.runs.filter((r) => r.best).map((r) => [r.id, r.taskSet])).toEqual([[ids[0], 'easy'], [ids[3], 'hard']]);
    const one = await lab.call('runs/compare', { ids: ids.slice(0, 2), groupBy: 'policy' });
    expect(one.warnings).toEqual([]);
    lab.close();
  });

  it("clips bands to the metric's range: accuracy's band never leaves [0, 1]", async () => {
    const lab = new Lab(':memory:');
    // two seeds far apart near the top and bottom: mean ± std would reach past 1 and below 0
    const ids = [addRun(lab.db, { policy: 'lp', seed: 1, base: 0.98, slope: 0 }), addRun(lab.db, { policy: 'lp', seed: 2, base: 0.02, slope: 0 })];
    for (const aggregate of ['std', 'ci95', 'minmax', 'iqr'] as const) {
      const c = await lab.call('runs/compare', { ids, groupBy: 'policy', aggregate });
      const s = c.series[0];
      expect(Math.min(...s.lo!)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...s.hi!)).toBeLessThanOrEqual(1);
      const band = (compareChartOption(c, { smoothing: 0.5, raw: false }).option.series as { type: string; data: number[][] }[]).find((x) => x.type === 'custom')!;
      expect(band.data.flatMap((p) => [p[1], p[2]]).every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    const ci = await lab.call('runs/compare', { ids, groupBy: 'policy', aggregate: 'ci95' });
    expect(ci.series[0].lo![0]).toBe(0); // 12.7 · std / √2 reaches far below 0
    const mm = await lab.call('runs/compare', { ids, groupBy: 'policy', aggregate: 'minmax' });
    expect(mm.series[0].lo![0]).toBeCloseTo(0.025, 10);
    expect(mm.series[0].hi![0]).toBeCloseTo(0.985, 10);
    lab.close();
  });

  it('summarises a legend of 500 runs: a picture lists 12 and says how many more, the app scrolls; per-task charts keep a legend', async () => {
    const lab = new Lab(':memory:');
    const ids = Array.from({ length: 500 }, (_, i) => addRun(lab.db, { policy: i % 2 ? 'lp' : 'uniform', seed: i, base: 0.5, epochs: 1 }));
    const c = await lab.call('runs/compare', { ids });
    const still = compareChartOption(c, { smoothing: 0, raw: false, still: true }).option as { legend: { data: string[]; type: string }; title: { subtext: string }; tooltip: { trigger: string } };
    expect(still.legend.data).toHaveLength(LEGEND_MAX);
    expect(still.title.subtext).toBe('legend: 12 of 500; the rest in the table');
    const app = compareChartOption(c, { smoothing: 0, raw: false }).option as typeof still;
    expect(app.legend.type).toBe('scroll');
    expect(app.legend.data).toHaveLength(500);
    expect(app.tooltip.trigger).toBe('item'); // one run's name under the pointer, not 500 lines
    const perTask = await lab.call('runs/compare', { ids: ids.slice(0, 4), groupBy: 'policy', perTask: true });
    const small = compareChartOption(perTask, { smoothing: 0, raw: false, task: 'b', compact: true, still: true }).option as typeof still & { title: { text: string } };
    expect(small.title.text).toBe('b');
    expect(small.legend.data).toEqual(['uniform', 'lp']);
    lab.close();
  }, 30_000);
});

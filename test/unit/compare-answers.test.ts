import { describe, expect, it } from 'vitest';
import { compareChartOption, LEGEND_MAX, lttb } from '../../src-main/compare/chart';
import { metricRange, summarise } from '../../src-main/compare/stats';
import { Lab } from '../../src-main/lab';
import * as store from '../../src-main/store';
import { addRun, labConfig } from './helpers/runs';
import type { LabRunConfig } from '../../src-main/api/schemas';
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

  it('uneven runs: a shorter seed stops counting, a run with no points, a script\'s run-level metric, the lowest loss is best, objects in the diff as JSON', async () => {
    const lab = new Lab(':memory:');
    const run = (seed: number, config: Record<string, unknown>, points: [number, string, number][], metric = 'val.loss') => {
      const r = store.createRun(lab.db, { name: `r${seed}`, seed, config: config as unknown as LabRunConfig }); // fields as a script logs them: any, or none
      store.appendMetrics(lab.db, r.id, points.map(([epoch, task, value]) => ({ epoch, step: epoch, task, metric, value, attention: 100 * epoch, wallMs: 10 * epoch })));
      return r.id;
    };
    const long = run(1, { policy: 'lp', model: 'cnn', opt: { beta: 0.9 } }, [[0, 'a', 0.9], [1, 'a', 0.5], [2, 'a', 0.3], [0, 'b', 0.7], [1, 'b', 0.5], [2, 'b', 0.1]]);
    const short = run(2, { policy: 'lp', model: 'cnn', opt: { beta: 0.8 } }, [[0, 'a', 0.7], [1, 'a', 0.3]]); // stopped after epoch 1, one task
    const empty = run(3, { policy: 'lp' }, []);
    const c = await lab.call('runs/compare', { ids: [long, short, empty], groupBy: 'policy', metric: 'val.loss' });
    const [g] = c.series;
    expect(g.n).toEqual([2, 2, 1]);
    expect(g.mean.map((v) => +v.toFixed(10))).toEqual([0.75, 0.4, 0.2]); // long's mean over a and b, with short's a; then long alone
    expect(g.x).toEqual([0, 1, 2]);
    expect(g.runIds).toEqual([long, short, empty]);
    const row = (id: number) => c.runs.find((r) => r.id === id)!;
    expect(row(long)).toMatchObject({ epochs: 2, mean: expect.closeTo(0.2, 10), attention: 200, final: { a: 0.3, b: 0.1 }, best: true, policy: 'lp', model: 'cnn', taskSet: '—' });
    expect(row(long).gainPerMTokens).toBeCloseTo(((0.2 - 0.8) / 200) * 1e6, 6); // a loss falls: a negative gain
    expect(row(short)).toMatchObject({ epochs: 1, mean: 0.3, final: { a: 0.3, b: null }, best: false });
    expect(row(empty)).toMatchObject({ epochs: 0, mean: null, attention: 0, gainPerMTokens: null, final: { a: null, b: null }, best: false, model: '—' });
    expect(c.diff).toEqual([
      { field: 'model', values: [{ group: 'lp', value: '—, cnn' }] },
      { field: 'opt', values: [{ group: 'lp', value: '—, {"beta":0.8}, {"beta":0.9}' }] },
      { field: 'seed', values: [{ group: 'lp', value: '1, 2, 3' }] },
    ]);
    expect(c.warnings).toEqual([]);
    // a run logged by a script (run-level metrics, no tasks) is its own task '(run)'; the lab's run-level mean is not a task
    const script = run(4, {}, [[0, '', 0.5], [1, '', 0.25]]);
    const both = await lab.call('runs/compare', { ids: [long, script], perTask: true, metric: 'val.loss' });
    expect(both.tasks).toEqual(['(run)', 'a', 'b']);
    expect(both.series.map((s) => `${s.group}/${s.task}`)).toEqual([`run ${long}/a`, `run ${long}/b`, `run ${script}/(run)`]);
    expect(both.runs.map((r) => r.group)).toEqual([`run ${long}`, `run ${script}`]);
    const single = (await lab.call('runs/compare', { ids: [script], metric: 'val.loss' })).runs[0];
    expect(single).toMatchObject({ mean: 0.25, gainPerMTokens: ((0.25 - 0.5) / 100) * 1e6, final: { '(run)': 0.25 } });
    expect(single.policy).toBe('—');
    // one point (at epoch 2): its value and attention, no gain yet; tasks of unequal length: the mean stops with the shortest
    const one = run(5, { policy: 'lp' }, [[2, 'a', 0.4]]);
    const ragged = run(6, { policy: 'lp' }, [[0, 'a', 0.9], [1, 'a', 0.5], [2, 'a', 0.1], [0, 'b', 0.7], [1, 'b', 0.3]]);
    const flat = store.createRun(lab.db, { name: 'flat', seed: 7, config: labConfig() }); // points, but no attention spent
    store.appendMetrics(lab.db, flat.id, [0, 1].map((epoch) => ({ epoch, step: epoch, task: 'a', metric: 'val.loss', value: 0.5 - epoch / 10, attention: 0, wallMs: epoch })));
    const rows = (await lab.call('runs/compare', { ids: [one, ragged, flat.id], metric: 'val.loss' })).runs;
    expect(rows[0]).toMatchObject({ epochs: 2, mean: 0.4, attention: 200, gainPerMTokens: null });
    expect(rows[1]).toMatchObject({ epochs: 1, mean: 0.4, attention: 100 });
    expect(rows[1].gainPerMTokens).toBeCloseTo(((0.4 - 0.8) / 100) * 1e6, 6);
    expect(rows[2]).toMatchObject({ attention: 0, gainPerMTokens: null });
    // per task, a run with no points has no curve; wall time in seconds on the x axis
    const perTask = await lab.call('runs/compare', { ids: [long, empty], perTask: true, metric: 'val.loss', x: 'wallMs' });
    expect(perTask.series.map((s) => s.group)).toEqual([`run ${long}`, `run ${long}`]);
    expect(perTask.series[0].x).toEqual([0, 10, 20]);
    // a lab run logs its tasks and their mean (task ''): per task, the mean is not one more task
    const lab2 = addRun(lab.db, { policy: 'lp', seed: 1, base: 0.5 });
    expect((await lab.call('runs/compare', { ids: [lab2], perTask: true })).tasks).toEqual(['a', 'b']);
    // a field null in one run reads as absent; numbers sort as numbers
    const nulls = [run(2, { policy: 'lp', initFrom: null }, []), run(10, { policy: 'lp', initFrom: 3 }, [])];
    expect((await lab.call('runs/compare', { ids: nulls, groupBy: 'policy' })).diff).toEqual([
      { field: 'initFrom', values: [{ group: 'lp', value: '—, 3' }] },
      { field: 'seed', values: [{ group: 'lp', value: '2, 10' }] },
    ]);
    lab.close();
  });

  it('summarises one point of a band: one run has no spread; the 95 % interval takes t up to 30 degrees of freedom, then 1.96', () => {
    for (const how of ['std', 'ci95', 'iqr', 'minmax'] as const) expect(summarise([0.4], how)).toEqual({ centre: 0.4, std: 0, lo: 0.4, hi: 0.4 });
    const spread = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? 1 : 0)); // half 0, half 1
    for (const [n, t] of [[2, 12.706], [31, 2.042], [32, 1.96]] as const) {
      const vs = spread(n), s = summarise(vs, 'ci95');
      expect(s.hi - s.centre).toBeCloseTo((t * s.std) / Math.sqrt(n), 12);
    }
    expect(summarise([3, 1, 2, 10], 'iqr')).toEqual({ centre: 2.5, std: expect.any(Number), lo: 1.75, hi: 4.75 }); // sorted 1 2 3 10
    expect(metricRange('test.accuracy')).toEqual([0, 1]);
    for (const m of ['val.f1', 'precision', 'recall', 'test.majority']) expect(metricRange(m)).toEqual([0, 1]);
    expect(metricRange('train.loss')).toEqual([0, Infinity]);
    for (const m of ['attention', 'accuracy.delta', 'loss.scale']) expect(metricRange(m)).toEqual([-Infinity, Infinity]);
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

  it('draws band edges at exactly centre ± spread for each aggregate, clipped only at the bounds the metric has', async () => {
    const lab = new Lab(':memory:');
    // one task, flat curves: the group's values at every epoch are 0.4, 0.45, 0.5 and 0.65
    const ids = [0.4, 0.45, 0.5, 0.65].map((base, seed) => addRun(lab.db, { policy: 'lp', seed, base, slope: 0, epochs: 1, tasks: ['a'] }));
    const std = Math.sqrt((0.1 ** 2 + 0.05 ** 2 + 0 + 0.15 ** 2) / 3), h = (3.182 * std) / 2; // sample std; t(0.975, 3 df) · std / √4
    const want = { std: [0.5, 0.5 - std, 0.5 + std], ci95: [0.5, 0.5 - h, 0.5 + h], iqr: [0.475, 0.4375, 0.5375], minmax: [0.5, 0.4, 0.65] };
    for (const [aggregate, [centre, lo, hi]] of Object.entries(want)) {
      const s = (await lab.call('runs/compare', { ids, groupBy: 'policy', aggregate: aggregate as keyof typeof want })).series[0];
      expect([s.mean[1], s.lo![1], s.hi![1]].map((v) => +v.toFixed(10))).toEqual([centre, lo, hi].map((v) => +v.toFixed(10)));
      expect(s.std[1]).toBeCloseTo(std, 10);
    }
    // a loss is clipped at 0 only: two runs at 0.01 and 0.5 give mean 0.255 ± 0.3465, drawn from 0 to 0.6015
    const losses = [0.01, 0.5].map((value, seed) => {
      const r = store.createRun(lab.db, { name: `loss ${seed}`, seed, config: labConfig() });
      store.appendMetrics(lab.db, r.id, [0, 1].map((epoch) => ({ epoch, step: epoch, task: 'a', metric: 'val.loss', value, attention: epoch, wallMs: epoch })));
      return r.id;
    });
    const loss = (await lab.call('runs/compare', { ids: losses, groupBy: 'policy', metric: 'val.loss' })).series[0];
    const sd = Math.sqrt(2 * 0.245 ** 2);
    expect(loss.lo![0]).toBe(0);
    expect(loss.hi![0]).toBeCloseTo(0.255 + sd, 10);
    lab.close();
  });

  it('the chart draws the band between the edges it is given, or mean ± std when a comparison has none, clipped to the metric', () => {
    const comparison = (metric: string, extra: { lo?: number[]; hi?: number[] }) => ({
      metric, x: 'epoch' as const, groupBy: 'policy', aggregate: 'std' as const, warnings: [], tasks: [], runs: [], diff: [],
      series: [{ group: 'lp', task: '', runIds: [1, 2], x: [0, 1, 2], mean: [0.5, 0.7, 0.9], std: [0.1, 0.2, 0.3], n: [2, 2, 1], ...extra }],
    });
    const band = (c: ReturnType<typeof comparison>, smoothing = 0) => (compareChartOption(c, { smoothing, raw: false }).option.series as { type: string; data: number[][]; renderItem: (p: { dataIndex: number }, api: { coord: (p: number[]) => number[] }) => { shape: { points: number[][] }; style: { fill: string } } | null }[]).find((s) => s.type === 'custom')!;
    const edges = (b: { data: number[][] }) => b.data.map((p) => p.map((v) => +v.toFixed(10)));
    expect(edges(band(comparison('test.accuracy', {})))).toEqual([[0, 0.4, 0.6], [1, 0.5, 0.9], [2, 0.6, 1]]); // 0.9 + 0.3 clipped to 1
    expect(edges(band(comparison('score', {})))).toEqual([[0, 0.4, 0.6], [1, 0.5, 0.9], [2, 0.6, 1.2]]); // no bound: not clipped
    const given = band(comparison('test.accuracy', { lo: [0.45, 0.6, 0.8], hi: [0.55, 0.8, 0.95] }));
    expect(edges(given)).toEqual([[0, 0.45, 0.55], [1, 0.6, 0.8], [2, 0.8, 0.95]]);
    // one polygon: the upper edge forward, then the lower edge back, in the group's colour
    const drawn = given.renderItem({ dataIndex: 0 }, { coord: (p) => p })!;
    expect(drawn.shape.points.map((p) => p.map((v) => +v.toFixed(10)))).toEqual([[0, 0.55], [1, 0.8], [2, 0.95], [2, 0.8], [1, 0.6], [0, 0.45]]);
    expect(drawn.style.fill).toBe('#5470c6');
    expect(given.renderItem({ dataIndex: 1 }, { coord: (p) => p })).toBeNull(); // drawn once, not once per point
    // smoothed, the edges are smoothed as the line is (debiased EMA): the first point stays put
    const smooth = edges(band(comparison('test.accuracy', { lo: [0.45, 0.6, 0.8], hi: [0.55, 0.8, 0.95] }), 0.5));
    expect(smooth[0]).toEqual([0, 0.45, 0.55]);
    expect(smooth[1]).toEqual([1, +((0.5 * 0.45 + 0.6) / 1.5).toFixed(10), +((0.5 * 0.55 + 0.8) / 1.5).toFixed(10)]);
  });

  it('draws what the user set: hidden groups gone, pinned on top and listed first, own colour and label, raw points, seconds, zoom, log scale, tooltips in words with units', () => {
    const s = (group: string, mean: number[], n: number[]) => ({ group, task: '', runIds: [1], x: [0, 1000, 2000], mean, std: mean.map(() => 0.1), lo: mean.map((m) => m - 0.1), hi: mean.map((m) => m + 0.1), n });
    const c = {
      metric: 'test.accuracy', x: 'wallMs' as const, groupBy: 'policy', aggregate: 'std' as const, warnings: [], tasks: [], runs: [], diff: [],
      series: [s('lp', [0.5, 0.7, 0.9], [2, 2, 2]), s('uniform', [0.4, 0.5, 0.6], [2, 2, 2]), s('size', [0.3, 0.35, 0.4], [1, 1, 1])],
    };
    type Series = { name: string; type: string; color: string; z: number; lineStyle?: { width: number }; data: number[][]; showSymbol?: boolean };
    type Option = { series: Series[]; legend: { data: string[]; type: string }; xAxis: { name: string; scale: boolean }; yAxis: { type: string; name: string; min?: number; max?: number }; toolbox?: unknown; dataZoom?: { startValue?: number; endValue?: number; type: string }[]; title: { text: string; subtext: string }; tooltip: { trigger: string; formatter: (p: unknown) => string } };
    const draw = (o: Partial<Parameters<typeof compareChartOption>[1]>) => compareChartOption(c, { smoothing: 0, raw: false, ...o }).option as unknown as Option;
    const styled = draw({ styles: { uniform: { hidden: true }, size: { pinned: true, color: '#123456', label: 'by size' } }, raw: true, smoothing: 0.5, zoom: true, range: [1, 2] });
    expect(styled.series.map((x) => `${x.name}:${x.type}`)).toEqual(['lp:line', 'lp:custom', 'lp:scatter', 'by size:line', 'by size:scatter']); // size's runs agree: no band
    expect(styled.legend.data).toEqual(['by size', 'lp']);
    const line = (name: string) => styled.series.find((x) => x.name === name && x.type === 'line')!;
    expect([line('by size').color, line('by size').z, line('by size').lineStyle]).toEqual(['#123456', 6, { width: 3 }]);
    expect([line('lp').color, line('lp').z, line('lp').lineStyle]).toEqual(['#5470c6', 3, undefined]);
    expect(styled.series.find((x) => x.type === 'custom')!.z).toBe(1);
    expect(line('lp').data.map((p) => p[0])).toEqual([0, 1, 2]); // wall time in seconds
    expect(line('lp').showSymbol).toBe(true);
    expect(styled.series.find((x) => x.name === 'lp' && x.type === 'scatter')!.data).toEqual([[0, 0.5], [1, 0.7], [2, 0.9]]); // the raw points, unsmoothed
    expect(styled.xAxis).toMatchObject({ name: 'wall time (s)', scale: true });
    expect(styled.toolbox).toBeDefined();
    expect(styled.dataZoom!.map((z) => [z.type, z.startValue, z.endValue])).toEqual([['inside', 1, 2], ['slider', 1, 2]]);
    expect(styled.yAxis).toMatchObject({ type: 'value', name: 'test.accuracy', min: undefined, max: undefined }); // smoothed, the band stays below 1
    expect(draw({}).yAxis).toMatchObject({ min: undefined, max: 1 }); // lp's band reaches 1 (0.9 + 0.1): the axis ends there

    const plain = draw({ logY: true, title: 'my chart' });
    expect(plain.series.filter((x) => x.type === 'scatter')).toEqual([]); // raw off
    expect([plain.toolbox, plain.dataZoom]).toEqual([undefined, undefined]);
    expect(plain.yAxis).toMatchObject({ type: 'log', name: 'test.accuracy (log)' });
    expect(plain.title.text).toBe('my chart');
    expect(draw({}).title.text).toBe('mean over tasks');
    expect(draw({ raw: true }).series.some((x) => x.type === 'scatter')).toBe(false); // unsmoothed, the line is the raw points
    expect(plain.legend.data).toEqual(['lp', 'uniform', 'size']);
    expect(compareChartOption({ ...c, series: [s('lp', [0.01, 0.5, 0.6], [2, 2, 2])] }, { smoothing: 0, raw: false }).option.yAxis).toMatchObject({ min: 0, max: undefined });
    expect(compareChartOption({ ...c, series: [s('lp', [0.3, 0.5, 0.6], [2, 2, 2])] }, { smoothing: 0, raw: false }).option.yAxis).toMatchObject({ min: undefined, max: undefined });

    // the tooltip: x, then each series' value, with n and the band named by its aggregate
    const p = (seriesName: string, data: number[]) => ({ seriesName, marker: '•', data });
    expect(plain.tooltip.trigger).toBe('axis');
    expect(plain.tooltip.formatter([p('lp', [1, 0.7, 2, 0.6, 0.8]), p('size', [1, 1234.5, 1, 1234.5, 1234.5])])).toBe('1 s<br/>•lp: 0.7 (n = 2, ±std 0.6–0.8)<br/>•size: 1,235');
    for (const [aggregate, name] of [['iqr', 'IQR'], ['minmax', 'range'], ['ci95', '95 %']] as const) {
      const f = (compareChartOption({ ...c, aggregate }, { smoothing: 0, raw: false }).option as unknown as Option).tooltip.formatter;
      expect(f([p('lp', [1, 0.7, 2, 0.6, 0.8])])).toBe(`1 s<br/>•lp: 0.7 (n = 2, ${name} 0.6–0.8)`);
    }
    expect(plain.tooltip.formatter([])).toBe('0 s');
    const many = { ...c, series: Array.from({ length: LEGEND_MAX + 1 }, (_, i) => s(`g${i}`, [0.5, 0.6, 0.7], [1, 1, 1])) };
    const item = (compareChartOption(many, { smoothing: 0, raw: false }).option as unknown as Option);
    expect(item.tooltip.trigger).toBe('item');
    expect(item.tooltip.formatter(p('g3', [2000, 0.6, 1, 0.6, 0.6]))).toBe('•g3: 0.6<br/>2,000 s');
    expect(item.title.subtext).toBe(`${LEGEND_MAX + 1} series: names in the tooltips`);
    expect(draw({}).title.subtext).toBe('');
  });

  it('a band and raw points stay out of the tooltip and the pointer; small multiples use smaller type; LTTB keeps every point below 3 or above n', () => {
    const c = { metric: 'test.accuracy', x: 'epoch' as const, groupBy: null, aggregate: 'std' as const, warnings: [], tasks: [], runs: [], diff: [], series: [{ group: 'g', task: '', runIds: [1, 2], x: [0, 1], mean: [0.5, 0.6], std: [0.1, 0.1], n: [2, 2] }] };
    type O = { animation: boolean; series: { type: string; tooltip?: { show: boolean }; silent?: boolean; encode?: unknown }[]; title: { textStyle: { fontSize: number } }; legend: { type: string; textStyle: { fontSize: number }; itemWidth: number; top: number }; grid: { top: number; bottom: number } };
    const draw = (o: object) => compareChartOption(c, { smoothing: 0.5, raw: true, ...o }).option as unknown as O;
    const full = draw({}), small = draw({ compact: true }), still = draw({ still: true });
    expect(full.animation).toBe(false); // a picture is drawn at once
    const band = full.series.find((s) => s.type === 'custom')!, raw = full.series.find((s) => s.type === 'scatter')!;
    expect([band.tooltip, band.silent, band.encode]).toEqual([{ show: false }, true, { x: 0, y: [1, 2] }]);
    expect(raw.tooltip).toEqual({ show: false });
    expect(full.series.find((s) => s.type === 'line')!.tooltip).toBeUndefined();
    expect(small.title.textStyle.fontSize).toBeLessThan(full.title.textStyle.fontSize);
    expect(small.legend.textStyle.fontSize).toBeLessThan(full.legend.textStyle.fontSize);
    expect(small.legend.itemWidth).toBeLessThan(full.legend.itemWidth);
    expect(small.grid.top).toBeLessThan(full.grid.top);
    expect(draw({ zoom: true }).grid.bottom).toBeGreaterThan(full.grid.bottom); // room for the range slider
    expect([full.legend.type, still.legend.type]).toEqual(['scroll', 'plain']);
    const xs = [0, 1, 2, 3, 4], ys = [0, 5, 1, 4, 2];
    for (const t of [2, 5, 9]) expect(lttb(xs, ys, t)).toEqual([0, 1, 2, 3, 4]);
    expect(lttb(xs, ys, 3)).toEqual([0, 1, 4]); // the spike at 1 is the largest triangle
    expect(lttb(xs, ys, 4)).toHaveLength(4);
  });

  it('summarises a legend past 12 runs (40 here): a picture lists 12 and says how many more, the app scrolls; per-task charts keep a legend', async () => {
    const lab = new Lab(':memory:');
    const ids = Array.from({ length: 40 }, (_, i) => addRun(lab.db, { policy: i % 2 ? 'lp' : 'uniform', seed: i, base: 0.5, epochs: 1 }));
    const c = await lab.call('runs/compare', { ids });
    const still = compareChartOption(c, { smoothing: 0, raw: false, still: true }).option as { legend: { data: string[]; type: string }; title: { subtext: string }; tooltip: { trigger: string } };
    expect(still.legend.data).toHaveLength(LEGEND_MAX);
    expect(still.title.subtext).toBe('legend: 12 of 40; the rest in the table');
    const app = compareChartOption(c, { smoothing: 0, raw: false }).option as typeof still;
    expect(app.legend.type).toBe('scroll');
    expect(app.legend.data).toHaveLength(40);
    expect(app.tooltip.trigger).toBe('item'); // one run's name under the pointer, not 40 lines
    const perTask = await lab.call('runs/compare', { ids: ids.slice(0, 4), groupBy: 'policy', perTask: true });
    const small = compareChartOption(perTask, { smoothing: 0, raw: false, task: 'b', compact: true, still: true }).option as typeof still & { title: { text: string } };
    expect(small.title.text).toBe('b');
    expect(small.legend.data).toEqual(['uniform', 'lp']);
    lab.close();
  }, 30_000);
});

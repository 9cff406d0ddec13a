import { describe, expect, it } from 'vitest';
import { compareChartOption, ema, lttb, MAX_POINTS, runChartOption } from '../../src-main/compare/chart';
import { chartSvg, renderComparisonPng } from '../../src-main/compare/render';
import { PNG } from 'pngjs';
import { collect } from '../../src-main/exports';
import { seeded } from './helpers/compare';

describe('comparing runs', () => {
  it('groups seeds into mean ± std bands, and the diff lists what varies between and within groups', async () => {
    const { lab, ids } = seeded();
    const c = await lab.call('runs/compare', { ids, groupBy: 'policy' });
    expect(c.series.map((s) => s.group)).toEqual(['lp', 'uniform']);
    const lp = c.series[0];
    expect(lp.n).toEqual([2, 2, 2, 2]);
    expect(lp.mean[0]).toBeCloseTo(0.55, 10); // mean over the two seeds of the mean over tasks
    expect(lp.std[0]).toBeCloseTo(Math.sqrt(0.005), 10); // sample std of 0.5 and 0.6
    expect(c.series[1].std.every((s) => s === 0)).toBe(true);
    expect(c.diff).toEqual([
      { field: 'policy', values: [{ group: 'lp', value: 'lp' }, { group: 'uniform', value: 'uniform' }] },
      { field: 'seed', values: [{ group: 'lp', value: '1, 2' }, { group: 'uniform', value: '1, 2' }] }, // varies within each group
    ]);
    // final table: the best run marked, gain per million tokens = (final − start) / attention · 1e6
    const best = c.runs.find((r) => r.best)!;
    expect(best.id).toBe(ids[1]);
    expect(best.mean).toBeCloseTo(0.6 + 0.075 * 3, 10);
    expect(best.gainPerMTokens).toBeCloseTo((0.075 * 3) / 6000 * 1e6, 8);
    lab.close();
  });

  it('moves the curves to attention or wall time, and draws one curve per task on request', async () => {
    const { lab, ids } = seeded();
    const byEpoch = await lab.call('runs/compare', { ids, groupBy: 'policy' });
    const byAttention = await lab.call('runs/compare', { ids, groupBy: 'policy', x: 'attention' });
    expect(byEpoch.series[0].x).toEqual([0, 1, 2, 3]);
    expect(byAttention.series[0].x).toEqual([0, 2000, 4000, 6000]);
    expect(byAttention.series[1].x).toEqual([0, 1000, 2000, 3000]);
    const perTask = await lab.call('runs/compare', { ids: [ids[0]], perTask: true });
    expect(perTask.series.map((s) => s.task)).toEqual(['a', 'b']);
    expect(perTask.diff).toEqual([]); // one run: nothing differs
    await expect(lab.call('runs/compare', { ids: [] })).rejects.toThrow(/select at least one run/);
    await expect(lab.call('runs/compare', { ids: [99] })).rejects.toThrow(/run 99 does not exist/);
    lab.close();
  });

  it('exports a selection as one CSV and as JSON', async () => {
    const { lab, ids } = seeded();
    const csv = await collect(lab.exportStream({ ids: ids.slice(0, 2), format: 'csv' }).chunks);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('run_id,epoch,step,task,metric,value,attention,wall_ms');
    expect(lines).toHaveLength(1 + 2 * 8);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0]))).toEqual(new Set(ids.slice(0, 2).map(String)));
    const json = JSON.parse(await collect(lab.exportStream({ ids, format: 'json' }).chunks));
    expect(json.map((r: { run: { id: number } }) => r.run.id)).toEqual(ids);
    lab.close();
  });
});

describe('the chart as a picture', () => {
  it('draws the PNG in process: 2× the chart size, each group\'s line in its colour and its band as a light tint of it', async () => {
    const { lab, ids } = seeded();
    const c = await lab.call('runs/compare', { ids, groupBy: 'policy' });
    lab.close();
    const png = PNG.sync.read(renderComparisonPng(c, { smoothing: 0, raw: false }));
    expect([png.width, png.height]).toEqual([2000, 1040]); // the 1000 × 520 chart at 2×
    const count = (rgb: number[], tol = 0) => {
      let n = 0;
      for (let i = 0; i < png.data.length; i += 4) if (rgb.every((v, k) => Math.abs(png.data[i + k] - v) <= tol)) n++;
      return n;
    };
    const tint = (rgb: number[]) => rgb.map((v) => 255 - 0.18 * (255 - v)); // opacity 0.18 over white
    const lp = [0x54, 0x70, 0xc6], uniform = [0x91, 0xcc, 0x75];
    expect(count(lp)).toBeGreaterThan(1000); // the lp line (and its legend mark)
    expect(count(uniform)).toBeGreaterThan(1000);
    expect(count(tint(lp), 2)).toBeGreaterThan(50_000); // lp's seeds differ: a band
    expect(count(tint(uniform), 2)).toBeLessThan(1000); // uniform's seeds agree: no band, only the line's anti-aliased edge
    expect(count([255, 255, 255])).toBeGreaterThan(png.width * png.height * 0.5); // a white background
    // text is drawn (the fonts were found): another title changes the picture
    const small = (title: string) => PNG.sync.read(renderComparisonPng(c, { smoothing: 0, raw: false, title }, { width: 300, height: 160 })).data;
    expect(small('one title').equals(small('another title'))).toBe(false);
  }, 30_000);
});

describe('the comparison chart', () => {
  it('a picture with a range draws only that range (its axes fit it); the app keeps every point and zooms', async () => {
    const { lab, ids } = seeded();
    const c = await lab.call('runs/compare', { ids, groupBy: 'policy' });
    const xs = (o: Record<string, unknown>) => ((o.series as { type: string; data: number[][] }[]).find((x) => x.type === 'line')!.data.map((p) => p[0]));
    expect(xs(compareChartOption(c, { smoothing: 0, raw: false, range: [1, 2] }).option)).toEqual([1, 2]);
    expect(xs(compareChartOption(c, { smoothing: 0, raw: false, range: [1, 2], zoom: true }).option)).toEqual([0, 1, 2, 3]);
    expect(xs(compareChartOption(c, { smoothing: 0, raw: false }).option)).toEqual([0, 1, 2, 3]);
    lab.close();
  });

  it('smooths with a debiased EMA: a constant stays constant, a step is followed', () => {
    expect(ema([3, 3, 3], 0.9)).toEqual([3, 3, 3].map(() => expect.closeTo(3, 12)));
    const s = ema([0, 0, 1, 1, 1, 1], 0.5);
    expect(s[0]).toBe(0);
    expect(s[5]).toBeGreaterThan(s[2]);
    expect(ema([1, 2], 0)).toEqual([1, 2]);
  });

  it('keeps every point up to 10,000 and says when LTTB thins a longer series', () => {
    const n = 25_000, xs = Array.from({ length: n }, (_, i) => i), ys = xs.map((x) => Math.sin(x / 500) + (x === 12_345 ? 5 : 0));
    const keep = lttb(xs, ys, MAX_POINTS);
    expect(keep).toHaveLength(MAX_POINTS);
    expect(keep[0]).toBe(0);
    expect(keep.at(-1)).toBe(n - 1);
    expect(keep).toContain(12_345); // the spike survives
    const comparison = (len: number) => ({ metric: 'm', x: 'epoch' as const, groupBy: null, aggregate: 'std' as const, warnings: [], tasks: [], runs: [], diff: [], series: [{ group: 'g', task: '', runIds: [1], x: xs.slice(0, len), mean: ys.slice(0, len), std: ys.slice(0, len).map(() => 0), n: [] }] });
    expect(compareChartOption(comparison(MAX_POINTS), { smoothing: 0, raw: false }).downsampled).toBe(false);
    const big = compareChartOption(comparison(n), { smoothing: 0, raw: false });
    expect(big.downsampled).toBe(true);
    expect(JSON.stringify((big.option.title as { text: string }).text)).toMatch(/LTTB/);
  });
});

describe('numbers on the charts (Runs and Compare)', () => {
  /** The text ECharts draws, label by label. */
  const labels = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCharCode(parseInt(h, 16))));
  const twoEpochs = (x: 'epoch' | 'attention' = 'epoch') => ({
    metric: 'test.accuracy', x, groupBy: null, aggregate: 'std' as const, warnings: [], tasks: [], runs: [], diff: [],
    series: [{ group: 'lp', task: '', runIds: [1], x: x === 'epoch' ? [0, 1, 2] : [0, 1_234_567, 2_469_134], mean: [0.5, 0.7123456789012345, 0.8], std: [0, 0, 0], n: [1, 1, 1] }],
  });

  it('an epoch axis has whole-epoch ticks only, in a compared chart and in a run\'s own', () => {
    // y values whose ticks are whole numbers, so any x.5 label is the epoch axis's
    const ys = { metric: 'tokens.seen', series: [{ group: 'lp', task: '', runIds: [1], x: [0, 1, 2], mean: [12, 23, 37], std: [0, 0, 0], n: [1, 1, 1] }] };
    for (const option of [compareChartOption({ ...twoEpochs(), ...ys }, { smoothing: 0, raw: false, zoom: true }).option, runChartOption([{ task: 'a', epoch: [0, 1, 2], value: [12, 23, 37] }], 'tokens.seen')]) {
      const text = labels(chartSvg(option, { width: 900, height: 420 }));
      expect(text).toEqual(expect.arrayContaining(['0', '1', '2']));
      expect(text.filter((t) => /^\d+\.5$/.test(t))).toEqual([]); // no 0.5, 1.5
    }
  });

  it('tooltips show significant digits with units, never 16 digits', () => {
    const o = compareChartOption(twoEpochs(), { smoothing: 0, raw: false }).option as { tooltip: { formatter: (ps: unknown[]) => string } };
    const tip = o.tooltip.formatter([{ seriesName: 'lp', marker: '', data: [1, 0.7123456789012345, 1, 0.7, 0.72] }]);
    expect(tip).toBe('epoch 1<br/>lp: 0.7123');
    const a = compareChartOption(twoEpochs('attention'), { smoothing: 0, raw: false }).option as { tooltip: { formatter: (ps: unknown[]) => string } };
    expect(a.tooltip.formatter([{ seriesName: 'lp', marker: '', data: [1_234_567, 0.7123456789012345, 1] }])).toBe('1.23 M tokens<br/>lp: 0.7123');
    const r = runChartOption([{ task: 'a', epoch: [0, 1], value: [0.5, 0.7123456789012345] }], 'val.accuracy') as { tooltip: { formatter: (ps: unknown[]) => string } };
    expect(r.tooltip.formatter([{ seriesName: 'a', marker: '', data: [1, 0.7123456789012345] }])).toBe('epoch 1<br/>a: 0.7123');
  });
});

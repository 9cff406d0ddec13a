import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../src-main/api/schemas';
import { compareChartOption, LEGEND_MAX, lttb, MAX_POINTS, rankRuns, runChartOption, xFormat } from '../../src-main/compare/chart';
import { chartSvg, comparisonSvg } from '../../src-main/compare/render';

/** What the charts draw, read where the user reads it: the SVG ECharts renders, the tooltip text, the table's order. */

type Series = Comparison['series'][number];
const series = (group: string, x: number[], mean: number[], more: Partial<Series> = {}): Series => ({ group, task: '', runIds: [1], x, mean, std: mean.map(() => 0), n: mean.map(() => 1), ...more });
const comparison = (s: Series[], more: Partial<Comparison> = {}): Comparison => ({ metric: 'test.accuracy', x: 'epoch', groupBy: 'policy', aggregate: 'std', warnings: [], tasks: [], runs: [], diff: [], series: s, ...more });

/** Each text ECharts draws, with where it is drawn (its translate) and its font size. */
const texts = (svg: string) =>
  [...svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].map(([, attrs, text]) => {
    // translate(x y), or a rotated label's matrix(a,b,c,d,x,y)
    const [x, y] = (/translate\(([-\d.]+) ([-\d.]+)\)/.exec(attrs) ?? /matrix\([-\d.]+,[-\d.]+,[-\d.]+,[-\d.]+,([-\d.]+),([-\d.]+)\)/.exec(attrs) ?? [0, '0', '0']).slice(1).map(Number);
    return { text: text.replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCharCode(parseInt(h, 16))), x, y, size: Number(/font-size:(\d+)px/.exec(attrs)?.[1]), anchor: /text-anchor="(\w+)"/.exec(attrs)?.[1], rotated: /matrix\(/.test(attrs) };
  });
const SIZE = { width: 900, height: 420 };

/** LTTB as Steinarsson's thesis writes it (bucket i+1 averaged, the largest triangle in bucket i kept): the oracle. */
function reference(xs: number[], ys: number[], threshold: number): number[] {
  const n = xs.length;
  if (threshold >= n || threshold < 3) return xs.map((_, i) => i);
  const size = (n - 2) / (threshold - 2);
  const out = [0];
  let a = 0;
  for (let b = 0; b < threshold - 2; b++) {
    const next = xs.map((_, i) => i).slice(Math.floor((b + 1) * size) + 1, Math.min(n, Math.floor((b + 2) * size) + 1));
    const avgX = next.reduce((s, i) => s + xs[i], 0) / Math.max(1, next.length), avgY = next.reduce((s, i) => s + ys[i], 0) / Math.max(1, next.length);
    const here = xs.map((_, i) => i).slice(Math.floor(b * size) + 1, Math.floor((b + 1) * size) + 1);
    const area = (j: number) => Math.abs((xs[a] - avgX) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (avgY - ys[a])) / 2;
    a = here.reduce((best, j) => (area(j) > area(best) ? j : best), here[0]);
    out.push(a);
  }
  return [...out, n - 1];
}

describe('downsampling (LTTB)', () => {
  it('keeps the points Steinarsson\'s algorithm keeps, on any series and threshold', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 4, maxLength: 120 }), fc.integer({ min: 3, max: 130 }), (ys, threshold) => {
        const xs = ys.map((_, i) => i * 1.5 + (i % 3) * 0.25); // uneven steps: the averages' x counts
        expect(lttb(xs, ys, threshold)).toEqual(reference(xs, ys, threshold));
      }),
      { numRuns: 300, seed: 21 },
    );
    // tiny triangles (areas under 1) and ties (the first of equal areas is kept)
    for (const values of [fc.double({ min: -0.01, max: 0.01, noNaN: true }), fc.integer({ min: 0, max: 2 })])
      fc.assert(
        fc.property(fc.array(values, { minLength: 4, maxLength: 60 }), fc.integer({ min: 3, max: 30 }), (ys, threshold) => {
          const xs = ys.map((_, i) => i * 0.1);
          expect(lttb(xs, ys, threshold)).toEqual(reference(xs, ys, threshold));
        }),
        { numRuns: 200, seed: 22 },
      );
  });

  it('a downsampled series is drawn with its own x and y (10,000 points, increasing x, none missing)', () => {
    const n = 25_000, xs = Array.from({ length: n }, (_, i) => i), ys = xs.map((x) => Math.sin(x / 300));
    const option = compareChartOption(comparison([series('g', xs, ys)]), { smoothing: 0, raw: false }).option as { series: { type: string; data: number[][] }[]; title: { text: string } };
    const line = option.series.find((s) => s.type === 'line')!.data;
    expect(line).toHaveLength(MAX_POINTS);
    expect(line.every(([x, y], i) => Number.isFinite(x) && y === Math.sin(x / 300) && (i === 0 || x > line[i - 1][0]))).toBe(true);
    expect(option.title.text).toBe('mean over tasks (LTTB: 10,000 points per series)');
  });
});

describe('what the comparison chart draws', () => {
  it('gives each group its own colour from a palette of nine, then starts over', () => {
    const groups = Array.from({ length: 10 }, (_, i) => `g${i}`);
    const option = compareChartOption(comparison(groups.map((g) => series(g, [0, 1], [0.5, 0.6]))), { smoothing: 0, raw: false }).option as { series: { color: string }[] };
    const colours = option.series.map((s) => s.color);
    expect(new Set(colours.slice(0, 9)).size).toBe(9);
    expect(colours.every((c) => /^#[0-9a-f]{6}$/.test(c))).toBe(true);
    expect(colours[9]).toBe(colours[0]);
  });

  it('x in words with units: epochs whole, tokens in M from a million, seconds', () => {
    expect([xFormat('epoch')(2.6), xFormat('attention')(999_999), xFormat('attention')(1e6), xFormat('attention')(-2.5e6), xFormat('attention')(1234.5), xFormat('wallMs')(12.345)])
      .toEqual(['epoch 3', '999,999 tokens', '1 M tokens', '-2.5 M tokens', '1,235 tokens', '12.3 s']);
  });

  it('axis ticks: tokens in M past a million, tiny losses in scientific notation on value and log axes, names centred on their axes', () => {
    const tokens = texts(chartSvg(compareChartOption(comparison([series('lp', [0, 1.2e6, 2.5e6], [0.5, 0.6, 0.7])], { x: 'attention' }), { smoothing: 0, raw: false }).option, SIZE));
    const ticks = tokens.filter((t) => t.y > 360 && t.anchor === 'middle').map((t) => t.text);
    expect(ticks).toContain('500,000');
    expect(ticks).toContain('1 M');
    const name = tokens.find((t) => t.text === 'attention spent (tokens)')!;
    expect(Math.abs(name.x - (64 + (SIZE.width - 24)) / 2)).toBeLessThan(2); // centred under the plot (grid left 64, right 24)
    expect(name.anchor).toBe('middle');
    const yName = tokens.find((t) => t.text === 'test.accuracy')!;
    expect(yName.anchor).toBe('middle');
    const seconds = texts(chartSvg(compareChartOption(comparison([series('lp', [0, 1.2e9, 2.5e9], [0.5, 0.6, 0.7])], { x: 'wallMs' }), { smoothing: 0, raw: false }).option, SIZE));
    expect(seconds.map((t) => t.text)).toContain('1,000,000'); // seconds stay seconds past a million
    expect(Math.abs(yName.y - (60 + (SIZE.height - 44)) / 2)).toBeLessThan(2); // beside the middle of the y-axis (grid top 60, bottom 44), not above it

    const lossTexts = (more: object) => texts(chartSvg(compareChartOption(comparison([series('lp', [0, 1, 2], [3e-4, 2e-4, 1.2e-4])], { metric: 'test.loss' }), { smoothing: 0, raw: false, ...more }).option, SIZE));
    const loss = (more: object) => lossTexts(more).map((t) => t.text);
    const logName = lossTexts({ logY: true }).find((t) => t.text === 'test.loss (log)')!;
    expect([logName.anchor, logName.rotated, Math.abs(logName.y - (60 + (SIZE.height - 44)) / 2) < 2]).toEqual(['middle', true, true]); // along the axis, like the linear one
    for (const logY of [false, true]) {
      const ticks = loss({ logY }).filter((t) => /^[\d.e-]+$/.test(t) && t !== '0' && !/^\d$/.test(t));
      expect(ticks.filter((t) => /e-4$/.test(t)).length).toBeGreaterThan(0);
      expect(ticks.filter((t) => t.startsWith('0.000'))).toEqual([]); // 1.2e-4, not 0.00012
    }
  });

  it('the y-axis fits the values (an accuracy of 0.81–0.9 is not drawn from 0); epochs count from 0, other x from their data', () => {
    const y = (svg: string) => texts(svg).filter((t) => t.anchor === 'end').map((t) => t.text);
    const acc = comparison([series('lp', [1, 2, 3], [0.81, 0.85, 0.9])]);
    expect(y(chartSvg(compareChartOption(acc, { smoothing: 0, raw: false }).option, SIZE))).not.toContain('0');
    expect(y(chartSvg(runChartOption([{ task: 'a', epoch: [1, 2, 3], value: [0.81, 0.85, 0.9] }], 'val.accuracy'), SIZE))).not.toContain('0');
    const x = (c: Comparison) => texts(chartSvg(compareChartOption(c, { smoothing: 0, raw: false }).option, SIZE)).filter((t) => t.y > 360 && t.anchor === 'middle' && /^[\d,.]+$/.test(t.text)).map((t) => t.text);
    expect(x(acc)[0]).toBe('0');
    expect(x({ ...acc, x: 'wallMs', series: [series('lp', [100_000, 200_000, 300_000], [0.81, 0.85, 0.9])] })[0]).not.toBe('0');
  });

  it('a picture with a range fits its axis to that range', () => {
    const c = comparison([series('lp', [0, 1, 2, 3], [0.5, 0.6, 0.7, 0.8])]);
    const axis = (o: object) => (compareChartOption(c, { smoothing: 0, raw: false, ...o }).option as { xAxis: { min?: number; max?: number } }).xAxis;
    expect(axis({ range: [1, 2] })).toMatchObject({ min: 1, max: 2 });
    expect(axis({})).toMatchObject({ min: undefined, max: undefined });
  });

  it('shows markers up to 60 points, a legend of 12 without a summary, and moves the plot down when a subtitle takes a line', () => {
    const xs = (n: number) => Array.from({ length: n }, (_, i) => i);
    const showSymbol = (n: number) => (compareChartOption(comparison([series('lp', xs(n), xs(n).map(() => 0.5))]), { smoothing: 0, raw: false }).option as { series: { showSymbol: boolean }[] }).series[0].showSymbol;
    expect([showSymbol(60), showSymbol(61)]).toEqual([true, false]);
    type O = { legend: { data: string[]; top: number }; title: { subtext: string }; tooltip: { trigger: string }; grid: { top: number } };
    const draw = (groups: number) => compareChartOption(comparison(Array.from({ length: groups }, (_, i) => series(`g${i}`, [0, 1], [0.5, 0.6]))), { smoothing: 0, raw: false }).option as unknown as O;
    const twelve = draw(LEGEND_MAX), thirteen = draw(LEGEND_MAX + 1);
    expect([twelve.title.subtext, twelve.tooltip.trigger, twelve.legend.data.length]).toEqual(['', 'axis', 12]);
    expect(thirteen.legend.top).toBe(twelve.legend.top + 14);
    expect(thirteen.grid.top).toBe(thirteen.legend.top + 30);
  });

  it('the title is centred over the chart, its subtitle in smaller type; a picture of 40 runs lists 12 and says so', () => {
    const c = comparison(Array.from({ length: 40 }, (_, i) => series(`run ${i}`, [0, 1], [0.5, 0.6])));
    for (const compact of [false, true]) {
      const drawn = texts(comparisonSvg(c, { smoothing: 0, raw: false, title: 'forty runs', compact }, SIZE));
      const title = drawn.find((t) => t.text === 'forty runs')!, sub = drawn.find((t) => t.text.startsWith('legend:'))!;
      expect(Math.abs(title.x - SIZE.width / 2)).toBeLessThan(2);
      expect(title.anchor).toBe('middle');
      expect(sub.text).toBe('legend: 12 of 40; the rest in the table');
      expect(sub.size).toBeLessThan(title.size); // small multiples too
      expect(drawn.filter((t) => /^run \d+$/.test(t.text))).toHaveLength(LEGEND_MAX);
    }
    expect(chartSvg({ series: [] })).toMatch(/width="1000" height="520"/); // a report's default size
  });

  it('per-task charts draw only their task', () => {
    const c = comparison([series('lp', [0, 1], [0.5, 0.6]), series('lp', [0, 1], [0.4, 0.5], { task: 'a' }), series('lp', [0, 1], [0.6, 0.7], { task: 'b' })]);
    const data = (task?: string) => (compareChartOption(c, { smoothing: 0, raw: false, task }).option as { series: { data: number[][] }[] }).series.map((s) => s.data.map((p) => p[1]));
    expect(data()).toEqual([[0.5, 0.6]]);
    expect(data('a')).toEqual([[0.4, 0.5]]);
  });

  it('zoom: box zoom over x only, named in words; the slider labels its ends with units; zooming keeps lines to the edge', () => {
    type Z = { toolbox: { feature: { dataZoom: { yAxisIndex: string; title: Record<string, string> }; restore: { title: string } } }; dataZoom: { filterMode: string; labelFormatter?: (v: number) => string }[] };
    const o = compareChartOption(comparison([series('lp', [0, 1, 2], [0.5, 0.6, 0.7])], { x: 'attention' }), { smoothing: 0, raw: false, zoom: true }).option as unknown as Z;
    expect(o.toolbox.feature.dataZoom).toEqual({ yAxisIndex: 'none', title: { zoom: 'box zoom', back: 'undo zoom' } });
    expect(o.toolbox.feature.restore.title).toBe('reset zoom');
    expect(o.dataZoom.map((z) => z.filterMode)).toEqual(['none', 'none']);
    expect(o.dataZoom[1].labelFormatter!(2.5e6)).toBe('2.5 M tokens');
  });
});

describe("a run's own chart", () => {
  it('draws the mean over tasks dashed beside each task, and a tooltip without points reads epoch 0', () => {
    const option = runChartOption([{ task: 'a', epoch: [0, 1], value: [0.5, 0.6] }, { task: '', epoch: [0, 1], value: [0.4, 0.5] }], 'val.accuracy') as { series: { name: string; lineStyle?: { type: string } }[]; tooltip: { trigger: string; formatter: (ps: unknown[]) => string } };
    expect(option.series.map((s) => [s.name, s.lineStyle?.type ?? 'solid'])).toEqual([['a', 'solid'], ['mean over tasks', 'dashed']]);
    const svg = chartSvg(option, SIZE);
    expect(texts(svg).map((t) => t.text)).toEqual(expect.arrayContaining(['a', 'mean over tasks']));
    expect(svg).toMatch(/stroke-dasharray/);
    expect(svg.match(/<path d="M[-\d.]+ [-\d.]+A/g)?.length).toBe(4 + 2); // a marker on each epoch of both lines, and the legend's two
    expect(option.tooltip.trigger).toBe('axis');
    expect(option.tooltip.formatter([])).toBe('epoch 0');
    expect(texts(chartSvg(runChartOption([{ task: 'a', epoch: [0, 1, 2], value: [3e-4, 2e-4, 1.2e-4] }], 'val.loss'), SIZE)).map((t) => t.text)).toEqual(expect.arrayContaining(['1.2e-4', '3e-4']));
  });
});

describe('the final table', () => {
  const run = (id: number, mean: number | null, gain: number | null, a: number | null) => ({ id, name: `r${id}`, status: 'completed' as const, group: 'g', seed: id, policy: 'lp', model: 'bag', epochs: 3, taskSet: 's', final: (a === null ? {} : { a }) as Record<string, number | null>, mean, attention: 1, gainPerMTokens: gain, best: false });
  const runs = [run(1, 0.5, 2, 0.9), run(2, 0.7, null, 0.1), run(3, null, 5, null), run(4, 0.6, 1, 0.5)];
  const order = (metric: string, by: string) => rankRuns(comparison([], { metric, runs }), by).map((r) => r.id);

  it('ranks best first by the mean, the gain per M tokens or one task; a loss lowest first; runs without a value last', () => {
    expect(order('test.accuracy', 'mean')).toEqual([2, 4, 1, 3]);
    expect(order('test.accuracy', 'gain')).toEqual([3, 1, 4, 2]);
    expect(order('test.accuracy', 'a')).toEqual([1, 4, 2, 3]);
    expect(order('test.loss', 'mean')).toEqual([1, 4, 2, 3]);
    expect(runs.map((r) => r.id)).toEqual([1, 2, 3, 4]); // the comparison itself is left as it was
  });
});

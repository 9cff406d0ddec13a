import type { Comparison } from '../api/schemas';
import { lowerIsBetter } from '../api/names';
import { sig } from '../api/format';
import { metricRange } from './stats';

/**
 * The comparison as an ECharts option, shared by the renderer (in the browser) and the
 * CLI (server-side rendering), so a report and the app draw the same chart. Pure: no
 * Node, no DOM. Smoothing is a debiased EMA; raw points stay on demand; a series over
 * MAX_POINTS is downsampled with LTTB, and the chart says so.
 */
export const MAX_POINTS = 10_000;
export const X_LABEL = { epoch: 'epoch', attention: 'attention spent (tokens)', wallMs: 'wall time (s)' } as const;
const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc'];

/** Exponential moving average with the bias correction of Adam (the first points are not pulled toward 0). */
export function ema(values: readonly number[], smoothing: number): number[] {
  if (smoothing <= 0) return [...values];
  let m = 0, w = 0;
  return values.map((v) => {
    m = smoothing * m + (1 - smoothing) * v;
    w = smoothing * w + (1 - smoothing);
    return m / w;
  });
}

/** Largest-Triangle-Three-Buckets: `threshold` of the points, keeping the shape's extremes. */
export function lttb(xs: readonly number[], ys: readonly number[], threshold: number): number[] {
  const n = xs.length;
  if (threshold >= n || threshold < 3) return Array.from({ length: n }, (_, i) => i);
  const keep = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const start = Math.floor((i + 1) * every) + 1, end = Math.min(n, Math.floor((i + 2) * every) + 1);
    let ax = 0, ay = 0;
    for (let j = start; j < end; j++) {
      ax += xs[j];
      ay += ys[j];
    }
    ax /= Math.max(1, end - start);
    ay /= Math.max(1, end - start);
    const from = Math.floor(i * every) + 1, to = Math.floor((i + 1) * every) + 1;
    let best = from, area = -1;
    for (let j = from; j < to; j++) {
      const s = Math.abs((xs[a] - ax) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (ay - ys[a]));
      if (s > area) {
        area = s;
        best = j;
      }
    }
    keep.push(best);
    a = best;
  }
  keep.push(n - 1);
  return keep;
}

/** How one group (or run) is drawn: the user may hide it, pin it on top, recolour or rename it. */
export interface GroupStyle { hidden?: boolean; pinned?: boolean; color?: string; label?: string }

export interface ChartOptions {
  smoothing: number; raw: boolean; task?: string; title?: string; compact?: boolean;
  /** a picture (PNG): the legend cannot scroll, so many entries are summarised */
  still?: boolean;
  /** y on a log scale */
  logY?: boolean;
  /** box zoom (toolbox) and a range slider under the x-axis; `range`: the x shown, null for all (a picture, without zoom, draws only that range) */
  zoom?: boolean;
  range?: [number, number] | null;
  styles?: Record<string, GroupStyle>;
}

/** An x value in words with its unit: 'epoch 3', '1.25 M tokens', '12.5 s'. */
export const xFormat = (x: Comparison['x']) => (v: number): string =>
  x === 'epoch' ? `epoch ${Math.round(v)}` : x === 'attention' ? (Math.abs(v) >= 1e6 ? `${sig(v / 1e6, 3)} M tokens` : `${sig(v, 3)} tokens`) : `${sig(v, 3)} s`;

/** The x-axis: whole epochs only (no 0.5 ticks), tokens and seconds in significant digits. */
export const xAxis = (x: Comparison['x']) => ({
  type: 'value', name: X_LABEL[x], nameLocation: 'middle', nameGap: 28,
  ...(x === 'epoch' ? { minInterval: 1 } : { axisLabel: { formatter: (v: number) => (x === 'attention' && Math.abs(v) >= 1e6 ? `${sig(v / 1e6, 3)} M` : sig(v, 3)) } }),
});

/** One run's curves per task over epochs (a run's detail), with the same axes and numbers as a comparison. */
export function runChartOption(curves: { task: string; epoch: number[]; value: number[] }[], metric: string): Record<string, unknown> {
  const xText = xFormat('epoch');
  return {
    tooltip: { trigger: 'axis', formatter: (ps: { seriesName: string; marker: string; data: number[] }[]) => [xText(ps[0]?.data[0] ?? 0), ...ps.map((p) => `${p.marker}${p.seriesName}: ${sig(p.data[1], 4)}`)].join('<br/>') },
    legend: { top: 0 }, grid: { left: 56, right: 20, top: 36, bottom: 40 },
    xAxis: { ...xAxis('epoch'), nameGap: 26 },
    yAxis: { name: metric, scale: true, axisLabel: { formatter: (v: number) => sig(v, 3) } },
    series: curves.map((c) => ({ name: c.task || 'mean over tasks', type: 'line', showSymbol: true, lineStyle: c.task ? undefined : { type: 'dashed' }, data: c.epoch.map((e, i) => [e, c.value[i]]) })),
  };
}

/** More legend entries than this: the app's legend scrolls; a picture lists these and says how many more. */
export const LEGEND_MAX = 12;

/** One chart of the comparison: the mean over tasks, or one task (small multiples draw one per task). */
export function compareChartOption(c: Comparison, o: ChartOptions): { option: Record<string, unknown>; downsampled: boolean } {
  const task = o.task ?? '';
  const scale = c.x === 'wallMs' ? 1 / 1000 : 1;
  const [min, max] = metricRange(c.metric);
  const clip = (v: number) => Math.min(max, Math.max(min, v));
  const groups = [...new Set(c.series.map((s) => s.group))];
  const style = (g: string): GroupStyle => o.styles?.[g] ?? {};
  const color = (g: string) => style(g).color ?? PALETTE[groups.indexOf(g) % PALETTE.length];
  const label = (g: string) => style(g).label || g;
  // pinned groups are drawn last (on top) and listed first
  const shown = groups.filter((g) => !style(g).hidden).sort((a, b) => Number(!!style(b).pinned) - Number(!!style(a).pinned));
  let downsampled = false;
  const series: Record<string, unknown>[] = [];
  // a picture shows only the range asked for (the axes fit it); the app keeps every point and zooms to it
  const [from, to] = (!o.zoom && o.range) || [-Infinity, Infinity];
  const fit = (v: number) => (Number.isFinite(v) ? v : undefined);
  for (const s of c.series.filter((x) => x.task === task && !style(x.group).hidden)) {
    const name = label(s.group), pinned = !!style(s.group).pinned;
    const cut = s.x.map((v, i) => [v * scale, i] as const).filter(([v]) => v >= from && v <= to).map(([, i]) => i);
    const within = <T,>(a: readonly T[]) => cut.map((i) => a[i]);
    const x = within(s.x).map((v) => v * scale), y = within(ema(s.mean, o.smoothing));
    const idx = x.length > MAX_POINTS ? lttb(x, y, MAX_POINTS) : null;
    if (idx) downsampled = true;
    const pick = <T,>(a: T[]) => (idx ? idx.map((i) => a[i]) : a);
    const lo = pick(within(ema(s.lo ?? s.mean.map((m, i) => m - s.std[i]), o.smoothing)).map(clip));
    const hi = pick(within(ema(s.hi ?? s.mean.map((m, i) => m + s.std[i]), o.smoothing)).map(clip));
    const px = pick(x), py = pick(y), pn = pick(within(s.n));
    series.push({ name, type: 'line', showSymbol: px.length <= 60, symbolSize: 4, color: color(s.group), data: px.map((v, i) => [v, py[i], pn[i], lo[i], hi[i]]), z: pinned ? 6 : 3, lineStyle: pinned ? { width: 3 } : undefined });
    if (s.n.some((v) => v > 1)) {
      // the band over the group's runs, as one polygon (upper edge forward, lower edge back)
      series.push({
        name, type: 'custom', silent: true, color: color(s.group), z: pinned ? 5 : 1, tooltip: { show: false },
        data: px.map((v, i) => [v, lo[i], hi[i]]), encode: { x: 0, y: [1, 2] },
        renderItem: (params: { dataIndex: number }, api: { coord: (p: number[]) => number[] }) => {
          if (params.dataIndex !== 0) return null;
          const points = [...px.map((v, i) => api.coord([v, hi[i]])), ...px.map((v, i) => api.coord([v, lo[i]])).reverse()];
          return { type: 'polygon', shape: { points }, style: { fill: color(s.group), opacity: 0.18 } };
        },
      });
    }
    if (o.raw && o.smoothing > 0) series.push({ name, type: 'scatter', symbolSize: 3, color: color(s.group), data: x.map((v, i) => [v, s.mean[cut[i]]]), z: 2, tooltip: { show: false } });
  }
  const many = shown.length > LEGEND_MAX;
  const drawn = series.filter((x) => x.type === 'custom').flatMap((x) => (x.data as number[][]).flatMap((p) => [p[1], p[2]]));
  const atMin = drawn.some((v) => v <= min), atMax = drawn.some((v) => v >= max);
  const range = o.range ? { startValue: o.range[0], endValue: o.range[1] } : {};
  const title = [o.title ?? (task || `mean over tasks`), downsampled ? `(LTTB: ${MAX_POINTS.toLocaleString('en-US')} points per series)` : ''].filter(Boolean).join(' ');
  // a picture cannot scroll: the first entries, then how many more (their names are in the table)
  const legendData = (o.still && many ? shown.slice(0, LEGEND_MAX) : shown).map(label);
  const subtext = o.still && many ? `legend: ${LEGEND_MAX} of ${shown.length}; the rest in the table` : many ? `${shown.length} series: names in the tooltips` : '';
  const top = (o.compact ? 24 : 30) + (subtext ? 14 : 0);
  const fmt = (v: number) => sig(v, 4);
  const line = (p: { seriesName: string; marker: string; data: number[] }) => {
    const [, m, n, l, h] = p.data;
    return `${p.marker}${p.seriesName}: ${fmt(m)}${n > 1 ? ` (n = ${n}, ${c.aggregate === 'iqr' ? 'IQR' : c.aggregate === 'minmax' ? 'range' : c.aggregate === 'ci95' ? '95 %' : '±std'} ${fmt(l)}–${fmt(h)})` : ''}`;
  };
  const xText = xFormat(c.x);
  return {
    downsampled,
    option: {
      animation: false,
      title: { text: title, subtext, left: 'center', textStyle: { fontSize: o.compact ? 12 : 14 }, subtextStyle: { fontSize: 11 }, itemGap: 2 },
      // one line per series; past a few series, the one under the pointer
      tooltip: many
        ? { trigger: 'item', formatter: (p: { seriesName: string; marker: string; data: number[] }) => `${line(p)}<br/>${xText(p.data[0])}` }
        : { trigger: 'axis', formatter: (ps: { seriesName: string; marker: string; data: number[] }[]) => [xText(ps[0]?.data[0] ?? 0), ...ps.map(line)].join('<br/>') },
      legend: { type: o.still ? 'plain' : 'scroll', top, left: 60, right: 90, data: legendData, textStyle: { fontSize: o.compact ? 10 : 12 }, itemWidth: o.compact ? 14 : 25 },
      grid: { left: 64, right: 24, top: top + 30, bottom: o.zoom ? 78 : 44 },
      toolbox: o.zoom ? { right: 8, top: 0, feature: { dataZoom: { yAxisIndex: 'none', title: { zoom: 'box zoom', back: 'undo zoom' } }, restore: { title: 'reset zoom' } } } : undefined,
      dataZoom: o.zoom ? [{ type: 'inside', xAxisIndex: 0, filterMode: 'none', ...range }, { type: 'slider', xAxisIndex: 0, bottom: 8, height: 18, filterMode: 'none', labelFormatter: (v: number) => xText(v), ...range }] : undefined,
      xAxis: { ...xAxis(c.x), scale: c.x !== 'epoch' || Number.isFinite(from), min: fit(from), max: fit(to) },
      // a band clipped at the metric's bound ends the axis there (no ticks at 1.2 for an accuracy)
      yAxis: o.logY ? { type: 'log', name: `${c.metric} (log)`, nameLocation: 'middle', nameGap: 42, axisLabel: { formatter: (v: number) => sig(v, 3) } } : { type: 'value', name: c.metric, nameLocation: 'middle', nameGap: 42, scale: true, min: atMin ? min : undefined, max: atMax ? max : undefined, axisLabel: { formatter: (v: number) => sig(v, 3) } },
      series,
    },
  };
}

/**
 * The final table's rows, best first: by the mean over tasks ('mean'), the gain per million
 * tokens ('gain') or one task's final value. A loss ranks low first; runs without a value last.
 */
export function rankRuns(c: Comparison, by: string): Comparison['runs'] {
  const sign = lowerIsBetter(c.metric) ? -1 : 1;
  const key = (r: Comparison['runs'][number]) => {
    const v = by === 'mean' ? r.mean : by === 'gain' ? r.gainPerMTokens : r.final[by];
    return v === null || v === undefined ? -Infinity : sign * v;
  };
  return [...c.runs].sort((a, b) => key(b) - key(a));
}

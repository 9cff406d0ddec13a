import type { Comparison } from '../api/schemas';

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

export interface ChartOptions { smoothing: number; raw: boolean; task?: string; title?: string; compact?: boolean }

/** One chart of the comparison: the mean over tasks, or one task (small multiples draw one per task). */
export function compareChartOption(c: Comparison, o: ChartOptions): { option: Record<string, unknown>; downsampled: boolean } {
  const task = o.task ?? '';
  const scale = c.x === 'wallMs' ? 1 / 1000 : 1;
  const groups = [...new Set(c.series.map((s) => s.group))];
  const color = (g: string) => PALETTE[groups.indexOf(g) % PALETTE.length];
  let downsampled = false;
  const series: Record<string, unknown>[] = [];
  for (const s of c.series.filter((x) => x.task === task)) {
    const x = s.x.map((v) => v * scale), y = ema(s.mean, o.smoothing);
    const idx = x.length > MAX_POINTS ? lttb(x, y, MAX_POINTS) : null;
    if (idx) downsampled = true;
    const pick = <T,>(a: T[]) => (idx ? idx.map((i) => a[i]) : a);
    const px = pick(x), py = pick(y);
    series.push({ name: s.group, type: 'line', showSymbol: px.length <= 60, symbolSize: 4, color: color(s.group), data: px.map((v, i) => [v, py[i]]), z: 3 });
    if (s.std.some((v) => v > 0)) {
      // mean ± std over the group's runs, as one polygon (upper edge forward, lower edge back)
      const lo = pick(ema(s.mean.map((m, i) => m - s.std[i]), o.smoothing)), hi = pick(ema(s.mean.map((m, i) => m + s.std[i]), o.smoothing));
      series.push({
        name: s.group, type: 'custom', silent: true, color: color(s.group), z: 1, tooltip: { show: false },
        data: px.map((v, i) => [v, lo[i], hi[i]]), encode: { x: 0, y: [1, 2] },
        renderItem: (params: { dataIndex: number }, api: { coord: (p: number[]) => number[] }) => {
          if (params.dataIndex !== 0) return null;
          const points = [...px.map((v, i) => api.coord([v, hi[i]])), ...px.map((v, i) => api.coord([v, lo[i]])).reverse()];
          return { type: 'polygon', shape: { points }, style: { fill: color(s.group), opacity: 0.18 } };
        },
      });
    }
    if (o.raw && o.smoothing > 0) series.push({ name: s.group, type: 'scatter', symbolSize: 3, color: color(s.group), data: x.map((v, i) => [v, s.mean[i]]), z: 2, tooltip: { show: false } });
  }
  const title = [o.title ?? (task || `mean over tasks`), downsampled ? `(LTTB: ${MAX_POINTS.toLocaleString('en-US')} points per series)` : ''].filter(Boolean).join(' ');
  return {
    downsampled,
    option: {
      animation: false,
      title: { text: title, left: 'center', textStyle: { fontSize: o.compact ? 12 : 14 } },
      tooltip: { trigger: 'axis' },
      legend: o.compact ? undefined : { top: 30, data: groups },
      grid: { left: 56, right: 20, top: o.compact ? 30 : 66, bottom: 44 },
      xAxis: { type: 'value', name: X_LABEL[c.x], nameLocation: 'middle', nameGap: 28, scale: c.x !== 'epoch' },
      yAxis: { type: 'value', name: c.metric, scale: true },
      series,
    },
  };
}

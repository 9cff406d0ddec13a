import type { Aggregate } from '../api/schemas';

/** Two-sided 95 % Student t quantiles by degrees of freedom (1–30); beyond, the normal's 1.96 is within 2 %. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
const t95 = (df: number) => (df <= 30 ? T95[df - 1] : 1.96);

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q, lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (at - lo);
}

/** One point of a band: the centre line and its spread over the group's runs. */
export function summarise(vs: readonly number[], how: Aggregate): { centre: number; std: number; lo: number; hi: number } {
  const n = vs.length, mean = vs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  if (how === 'std') return { centre: mean, std, lo: mean - std, hi: mean + std };
  if (how === 'ci95') {
    const h = n > 1 ? (t95(n - 1) * std) / Math.sqrt(n) : 0;
    return { centre: mean, std, lo: mean - h, hi: mean + h };
  }
  const sorted = [...vs].sort((a, b) => a - b);
  if (how === 'iqr') return { centre: quantile(sorted, 0.5), std, lo: quantile(sorted, 0.25), hi: quantile(sorted, 0.75) };
  return { centre: mean, std, lo: sorted[0], hi: sorted[n - 1] };
}

/** The values a metric can take: accuracies and F1 scores lie in [0, 1], losses are ≥ 0. */
export function metricRange(metric: string): [number, number] {
  if (/(accuracy|f1|precision|recall|majority)$/.test(metric)) return [0, 1];
  if (/loss$/.test(metric)) return [0, Infinity];
  return [-Infinity, Infinity];
}

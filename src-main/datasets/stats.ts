import type { Split } from '../store/datasets';
import { tokenCount, type TokenizerSpec } from './tokenise';

export interface DatasetStats {
  counts: Record<Split, number>;
  /** examples per label and split: the label balance */
  labels: { label: string; train: number; validation: number; test: number }[];
  /** token lengths before truncation (all splits) */
  tokenLengths: { bins: { from: number; to: number; count: number }[]; mean: number; median: number; p95: number; max: number; truncated: number };
  /** tokens the model reads of the training split (after truncation): a_i of a task on this data set */
  trainTokens: number;
}

/** Label balance, token-length histogram and the training split's token count, in one pass. */
export function computeStats(rows: { text: string; label: string; split: Split }[], spec: TokenizerSpec): DatasetStats {
  const counts = { train: 0, validation: 0, test: 0 };
  const byLabel = new Map<string, { train: number; validation: number; test: number }>();
  const lengths = new Uint32Array(rows.length);
  const untruncated = { ...spec, maxLength: Number.MAX_SAFE_INTEGER };
  let trainTokens = 0, truncated = 0;
  rows.forEach((r, i) => {
    counts[r.split]++;
    const l = byLabel.get(r.label) ?? byLabel.set(r.label, { train: 0, validation: 0, test: 0 }).get(r.label)!;
    l[r.split]++;
    const n = (lengths[i] = tokenCount(r.text, untruncated));
    if (n > spec.maxLength) truncated++;
    if (r.split === 'train') trainTokens += Math.min(n, spec.maxLength);
  });
  const sorted = lengths.slice().sort();
  const max = sorted.length ? sorted[sorted.length - 1] : 0;
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0);
  // 20 bins up to the 99th percentile (a few huge texts would otherwise squash the chart), the rest in the last bin.
  const top = Math.max(1, at(0.99)), width = Math.max(1, Math.ceil(top / 20));
  const bins = Array.from({ length: Math.ceil((top + 1) / width) }, (_, k) => ({ from: k * width, to: (k + 1) * width - 1, count: 0 }));
  for (const n of lengths) bins[Math.min(bins.length - 1, Math.floor(n / width))].count++;
  bins[bins.length - 1].to = Math.max(bins[bins.length - 1].to, max);
  return {
    counts,
    labels: [...byLabel].map(([label, c]) => ({ label, ...c })).sort((a, b) => a.label.localeCompare(b.label)),
    tokenLengths: { bins, mean: lengths.reduce((s, v) => s + v, 0) / Math.max(1, lengths.length), median: at(0.5), p95: at(0.95), max, truncated },
    trainTokens,
  };
}

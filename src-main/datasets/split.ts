import type { Split } from '../store/datasets';

/** mulberry32: a small, fast, seedable PRNG; every random choice in the lab goes through one. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, to derive a per-label stream from the split seed. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface SplitFractions { train: number; validation: number; test: number }
export const DEFAULT_FRACTIONS: SplitFractions = { train: 0.8, validation: 0.1, test: 0.1 };

/**
 * Stratified, seeded split: within each label the examples are shuffled with a stream
 * seeded by (seed, label) and cut 80 / 10 / 10 (or as asked). The same rows and seed
 * always give the same split, and each split keeps the label balance to within one example.
 */
export function stratifiedSplit(labels: readonly string[], seed: number, f: SplitFractions = DEFAULT_FRACTIONS): Split[] {
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, i) => (byLabel.get(l) ?? byLabel.set(l, []).get(l)!).push(i));
  const out = new Array<Split>(labels.length);
  const total = f.train + f.validation + f.test;
  for (const [label, idx] of byLabel) {
    const r = rng(seed ^ hash32(label));
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const nTrain = Math.round((idx.length * f.train) / total), nVal = Math.round((idx.length * f.validation) / total);
    idx.forEach((row, k) => (out[row] = k < nTrain ? 'train' : k < nTrain + nVal ? 'validation' : 'test'));
  }
  return out;
}

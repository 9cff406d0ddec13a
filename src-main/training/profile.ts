import { hash32, rng } from '../datasets/split';
import { batchOf, type TrainingData } from './data';
import type { ModelKind } from './model';
import { createModel } from './paths';

/**
 * t_i, measured: seconds for one full training pass over task i on the active backend,
 * estimated from a timed sample of training steps (after three untimed warm-up steps)
 * scaled to the task's ceil(n_i / B) batches.
 */
export interface ProfileConfig { model: ModelKind; dim: number; hidden: number; batchSize: number; batches: number; seed: number }

export function profileTasks(data: TrainingData, c: ProfileConfig, progress?: (done: number, total: number) => void): { secondsPerPass: number[]; secondsPerBatch: number[] } {
  const model = createModel({ kind: c.model, vocab: data.vocab.length, dim: c.dim, hidden: c.hidden, heads: data.tasks.map((t) => ({ name: t.name, classes: t.labels.length })), lr: 1e-3, seed: c.seed, maxLength: Math.max(...data.tasks.map((t) => t.length)) });
  try {
    const perBatch = data.tasks.map((t, i) => {
      const r = rng(hash32(`${c.seed}:profile:${t.name}`));
      const sample = () => Int32Array.from({ length: Math.min(c.batchSize, t.train.size) }, () => Math.floor(r() * t.train.size));
      const step = () => model.trainStep(t.name, batchOf(t.train, t.length, sample()));
      for (let k = 0; k < 3; k++) step(); // warm-up: the first steps of a shape pay for allocation and JIT compilation
      const t0 = performance.now();
      for (let k = 0; k < c.batches; k++) step();
      progress?.(i + 1, data.tasks.length);
      return (performance.now() - t0) / 1000 / c.batches;
    });
    return { secondsPerBatch: perBatch, secondsPerPass: perBatch.map((s, i) => s * Math.ceil(data.tasks[i].train.size / c.batchSize)) };
  } finally {
    model.dispose();
  }
}

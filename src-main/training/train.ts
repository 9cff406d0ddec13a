import type { MetricPoint } from '../api/schemas';
import { hash32, rng } from '../datasets/split';
import { epochFile, readCheckpoint, writeCheckpoint, type CheckpointHeader } from './checkpoint';
import { batchOf, type Split, type TaskData, type TrainingData } from './data';
import type { Model, ModelKind } from './model';
import { createModel } from './paths';

/**
 * The training loop. Each epoch executes c_i = round(π_i n_i) examples of task i (a
 * fresh seeded sample each epoch), its batches interleaved at random with the other
 * tasks', the loss of task i scaled by w_i / mean w. Attention is the tokens the model
 * reads, counted as they are read. After each epoch every task is evaluated on its
 * validation and test splits and a checkpoint is written (latest, and best by mean
 * validation accuracy). Everything random flows from (seed, epoch), so a resumed run
 * continues exactly as the uninterrupted one would.
 */
export interface TrainConfig {
  model: ModelKind; dim: number; hidden: number; lr: number; batchSize: number; epochs: number; seed: number;
  /** threads for one step (the JS bag path; the same numbers for any count), default 1 */
  threads?: number;
}
export interface TrainTask { pi: number; weight: number }

export interface TrainProgress { epoch: number; epochs: number; step: number; stepsInEpoch: number; stepInEpoch: number; samplesPerS: number; etaS: number | null; attention: number }
export interface EpochReport { epoch: number; points: MetricPoint[]; checkpoints: { kind: 'latest' | 'best'; path: string; metric: number | null }[] }
export interface TrainHooks {
  progress?: (p: TrainProgress) => void;
  /** Called after each epoch's checkpoint is on disk; the caller stores points and checkpoints together. */
  epoch?: (r: EpochReport) => void;
  /** Checked between steps: true stops the loop (the epoch in progress is dropped). */
  stop?: () => boolean;
}
export interface TrainStart {
  /** Directory for latest.ckpt and best.ckpt. */
  checkpointDir: string;
  /** Continue from this run's own checkpoint (resume). */
  resume?: string;
  /** Start from another run's checkpoint: its encoder, its vocabulary rows, its heads of same-named tasks. */
  initFrom?: string;
}
export interface TaskResult { task: string; valAccuracy: number; testAccuracy: number; testF1: number; majority: number; attention: number }
export interface TrainResult { stopped: boolean; epochs: number; tasks: TaskResult[]; samplesPerS: number }

export async function train(data: TrainingData, alloc: TrainTask[], c: TrainConfig, start: TrainStart, hooks: TrainHooks = {}): Promise<TrainResult> {
  const tasks = data.tasks;
  const heads = tasks.map((t) => ({ name: t.name, classes: t.labels.length }));
  const model = createModel({ kind: c.model, vocab: data.vocab.length, dim: c.dim, hidden: c.hidden, heads, lr: c.lr, seed: c.seed, maxLength: Math.max(...tasks.map((t) => t.length)) }, c.threads ?? 1);
  try {
    const weights = lossWeights(alloc);
    const from = startFrom(model, data, c, start);
    let { epoch, step, attention, best } = from;
    const { wallBefore, taskAttention, taskExamples } = from;

    const t0 = performance.now();
    const wall = () => wallBefore + performance.now() - t0;
    const point = (task: string, metric: string, value: number): MetricPoint => ({ epoch, step, task, metric, value, attention, wallMs: wall() });
    let latest: MetricPoint[] = []; // the last evaluation: the result reads it rather than evaluating again
    const evaluate = (trainLoss: (number | null)[], samplesPerS: number | null): MetricPoint[] => {
      const points: MetricPoint[] = (latest = []);
      const val: number[] = [], test: number[] = [];
      tasks.forEach((t, i) => {
        for (const [name, split] of [['val', t.validation], ['test', t.test]] as const) {
          if (split.size === 0) continue;
          const e = evaluateSplit(model, t, split);
          (name === 'val' ? val : test).push(e.accuracy);
          points.push(point(t.name, `${name}.loss`, e.loss), point(t.name, `${name}.accuracy`, e.accuracy), point(t.name, `${name}.f1`, e.f1));
        }
        if (trainLoss[i] !== null) points.push(point(t.name, 'train.loss', trainLoss[i]!));
        points.push(point(t.name, 'attention', taskAttention[i]), point(t.name, 'examples', taskExamples[i])); // examples: for learning curves
        if (epoch === 0 && t.test.size) points.push(point(t.name, 'test.majority', majority(t.test))); // the baseline every curve must beat
      });
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      if (val.length) points.push(point('', 'val.accuracy', mean(val)));
      if (test.length) points.push(point('', 'test.accuracy', mean(test)));
      if (samplesPerS !== null) points.push(point('', 'samples_per_s', samplesPerS));
      return points;
    };
    const meanVal = (points: MetricPoint[]) => points.find((p) => p.task === '' && p.metric === 'val.accuracy')?.value ?? null;

    // Epoch 0: the untrained (or initialised-from) model, so every curve starts where training did.
    if (epoch === 0) hooks.epoch?.({ epoch: 0, points: evaluate(tasks.map(() => null), null), checkpoints: [] });

    let samples = 0, trainMs = 0;
    // The ETA: this trainer's own pace (a resumed run counts only the steps since it resumed,
    // evaluations included), measured from the end of its first step, which compiles kernels and
    // fills caches: one slow first step made a 10 s run say 2 min 19 s.
    let stepsHere = 0, warm: { at: number; steps: number } | null = null;
    const etaS = (now: number, left: number) => {
      const n = warm ? stepsHere - warm.steps : 0, s = warm ? (now - warm.at) / 1000 : 0;
      return n >= 3 && s > 0 ? (left * s) / n : null;
    };
    for (epoch = epoch + 1; epoch <= c.epochs; epoch++) {
      const plan = planEpoch(tasks.map((t) => t.train.size), alloc.map((a) => a.pi), c.batchSize, rng(hash32(`${c.seed}:epoch:${epoch}`)));
      const lossSum = tasks.map(() => 0), lossN = tasks.map(() => 0);
      const e0 = performance.now();
      let lastReport = 0, epochSamples = 0;
      for (let k = 0; k < plan.length; k++) {
        if (hooks.stop?.()) return result(true);
        const { task: i, idx } = plan[k];
        const t = tasks[i], b = batchOf(t.train, t.length, idx);
        if (weights[i] > 0) {
          lossSum[i] += model.trainStep(t.name, b, weights[i]) * b.size;
          lossN[i] += b.size;
        }
        step++;
        stepsHere++;
        attention += b.tokens;
        taskAttention[i] += b.tokens;
        taskExamples[i] += b.size;
        epochSamples += b.size;
        const now = performance.now();
        warm ??= { at: now, steps: stepsHere };
        if (hooks.progress && (now - lastReport > 250 || k === plan.length - 1)) {
          lastReport = now;
          const rate = (samples + epochSamples) / ((trainMs + now - e0) / 1000);
          const left = plan.length - k - 1 + (c.epochs - epoch) * plan.length;
          hooks.progress({ epoch, epochs: c.epochs, step, stepsInEpoch: plan.length, stepInEpoch: k + 1, samplesPerS: rate, etaS: etaS(now, left), attention });
          await new Promise((r) => setImmediate(r)); // let IPC and timers through, so progress arrives as it happens
        }
      }
      trainMs += performance.now() - e0;
      samples += epochSamples;
      const points = evaluate(lossSum.map((s, i) => (lossN[i] ? s / lossN[i] : null)), samples / (trainMs / 1000 || 1));
      const v = meanVal(points);
      const improved = v !== null && (best === null || v > best);
      if (improved) best = v;
      const header: CheckpointHeader = { format: 'attention-lab/checkpoint', version: 1, model: model.config, vocab: data.vocab, tasks: tasks.map((t) => t.name), epoch, step, attention, taskAttention, taskExamples, wallMs: wall(), best };
      if (hooks.stop?.()) return result(true); // nobody will store this epoch: write nothing for it
      // one file per epoch; the best is the file of its epoch, and the parent prunes the rest once stored
      const path = epochFile(start.checkpointDir, epoch);
      writeCheckpoint(path, header, model.state());
      const checkpoints: EpochReport['checkpoints'] = [{ kind: 'latest', path, metric: v }];
      if (improved) checkpoints.push({ kind: 'best', path, metric: v });
      hooks.epoch?.({ epoch, points, checkpoints });
    }
    return result(false);

    function result(stopped: boolean): TrainResult {
      return {
        stopped,
        epochs: Math.min(epoch, c.epochs),
        samplesPerS: samples / (trainMs / 1000 || 1),
        tasks: tasks.map((t, i) => {
          const at = (metric: string) => latest.find((p) => p.task === t.name && p.metric === metric)?.value ?? NaN;
          return { task: t.name, valAccuracy: at('val.accuracy'), testAccuracy: at('test.accuracy'), testF1: at('test.f1'), majority: majority(t.test.size ? t.test : t.train), attention: taskAttention[i] };
        }),
      };
    }
  } finally {
    model.dispose();
  }
}

/**
 * Each task's weight in the loss, w_i over the mean w of the tasks that train (π > 0), so
 * the weights shape the mix without scaling the learning rate.
 */
function lossWeights(alloc: TrainTask[]): number[] {
  const active = alloc.filter((a) => a.pi > 0);
  const meanW = active.reduce((s, a) => s + a.weight, 0) / Math.max(1, active.length);
  return alloc.map((a) => (meanW > 0 ? a.weight / meanW : 1));
}

/** Where a run's counters stand when training starts. */
interface Start { epoch: number; step: number; attention: number; wallBefore: number; best: number | null; taskAttention: number[]; taskExamples: number[] }

/**
 * Training starts fresh; or resumes a checkpoint of this run (the model, Adam's moments and
 * every counter); or takes another run's encoder and same-named heads (--init-from), the
 * rows of words both vocabularies hold, counting from zero.
 */
function startFrom(model: Model, data: TrainingData, c: TrainConfig, start: TrainStart): Start {
  const s: Start = { epoch: 0, step: 0, attention: 0, wallBefore: 0, best: null, taskAttention: data.tasks.map(() => 0), taskExamples: data.tasks.map(() => 0) };
  if (start.resume) {
    const { header, state } = readCheckpoint(start.resume);
    if (header.vocab.length !== data.vocab.length || header.vocab.some((w, i) => w !== data.vocab[i])) throw new Error('resume: the data sets changed since this run started (its vocabulary differs)');
    model.load(state);
    ({ epoch: s.epoch, step: s.step, attention: s.attention, best: s.best } = header);
    s.wallBefore = header.wallMs;
    header.taskAttention.forEach((a, i) => (s.taskAttention[i] = a));
    header.taskExamples?.forEach((a, i) => (s.taskExamples[i] = a));
  } else if (start.initFrom) {
    const { header, state } = readCheckpoint(start.initFrom);
    const m = header.model;
    if (m.kind !== c.model || m.dim !== c.dim || m.hidden !== c.hidden)
      throw new Error(`init-from: that run's encoder is ${m.kind} (dim ${m.dim}, hidden ${m.hidden}); this run asks for ${c.model} (dim ${c.dim}, hidden ${c.hidden})`);
    const old = new Map(header.vocab.map((w, i) => [w, i]));
    model.load(state, { rows: Int32Array.from(data.vocab, (w) => old.get(w) ?? -1), heads: header.model.heads });
  }
  return s;
}

/** One epoch's batches: for each task a fresh sample of round(π_i n_i) examples cut into batches, all shuffled together. */
export function planEpoch(sizes: number[], pi: number[], batchSize: number, r: () => number): { task: number; idx: Int32Array }[] {
  const plan: { task: number; idx: Int32Array }[] = [];
  sizes.forEach((n, i) => {
    const c = Math.min(n, Math.round(pi[i] * n));
    if (c === 0) return;
    const order = Int32Array.from({ length: n }, (_, j) => j);
    for (let j = 0; j < c; j++) {
      const k = j + Math.floor(r() * (n - j));
      [order[j], order[k]] = [order[k], order[j]];
    }
    for (let j = 0; j < c; j += batchSize) plan.push({ task: i, idx: order.slice(j, Math.min(c, j + batchSize)) });
  });
  for (let j = plan.length - 1; j > 0; j--) {
    const k = Math.floor(r() * (j + 1));
    [plan[j], plan[k]] = [plan[k], plan[j]];
  }
  return plan;
}

/** Mean cross-entropy, accuracy and macro-F1 (over the classes present in truth or prediction). */
export function evaluateSplit(model: Model, t: TaskData, s: Split, batch = 256): { loss: number; accuracy: number; f1: number } {
  const K = t.labels.length, tp = new Float64Array(K), fp = new Float64Array(K), fn = new Float64Array(K);
  let loss = 0, correct = 0;
  for (let start = 0; start < s.size; start += batch) {
    const idx = Int32Array.from({ length: Math.min(batch, s.size - start) }, (_, j) => start + j);
    const b = batchOf(s, t.length, idx);
    const p = model.predict(t.name, b);
    for (let r = 0; r < b.size; r++) {
      const y = b.labels[r];
      let arg = 0;
      for (let k = 1; k < K; k++) if (p[r * K + k] > p[r * K + arg]) arg = k;
      loss -= Math.log(Math.max(p[r * K + y], 1e-7));
      if (arg === y) {
        correct++;
        tp[y]++;
      } else {
        fp[arg]++;
        fn[y]++;
      }
    }
  }
  let f1 = 0, present = 0;
  for (let k = 0; k < K; k++) {
    if (tp[k] + fp[k] + fn[k] === 0) continue;
    present++;
    f1 += (2 * tp[k]) / (2 * tp[k] + fp[k] + fn[k]);
  }
  return { loss: loss / s.size, accuracy: correct / s.size, f1: present ? f1 / present : 0 };
}

/** Accuracy of always answering the most frequent label: the baseline a trained task must beat. */
export function majority(s: Split): number {
  const counts = new Map<number, number>();
  for (const y of s.labels) counts.set(y, (counts.get(y) ?? 0) + 1);
  return Math.max(...counts.values()) / s.size;
}

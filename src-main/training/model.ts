import * as tf from '@tensorflow/tfjs-core';
import { rng } from '../datasets/split';
import { ADAM, EmbeddingTable } from './embedding';

/**
 * A shared encoder with one classification head per task. Token embeddings live in a
 * JS table (row-sparse lazy Adam, see embedding.ts); the rest are TF.js variables
 * trained with the same Adam, one step count per variable (a head moves only when
 * its task trains). The encoder reads the gathered embeddings X [B, L, D] and the
 * padding mask, so the gradient with respect to X is all the table needs.
 */
import type { ModelKind } from '../api/schemas';
export type { ModelKind };
export interface Head { name: string; classes: number }
/**
 * A head's variables are `head.TASK.w` and `head.TASK.b`. A task name may hold dots ('a'
 * and 'a.b' in one set), so a variable's task is everything between 'head.' and the last
 * dot, never the second field: a prefix test would sweep a.b's head into a's step.
 */
export const headVar = (task: string, part: 'w' | 'b') => `head.${task}.${part}`;
/** The task whose head a variable is, or null for the encoder's variables. */
export const headTask = (name: string): string | null => (name.startsWith('head.') ? name.slice(5, name.lastIndexOf('.')) : null);
export interface ModelConfig { kind: ModelKind; vocab: number; dim: number; hidden: number; heads: Head[]; lr: number; seed: number; maxLength?: number }

export interface Batch { ids: Int32Array; length: number; labels: Int32Array; size: number }

/** Everything a checkpoint holds of a model: arrays by name (variables, Adam moments, step counts). */
export type ModelState = Record<string, Float32Array | Uint32Array>;

const TRANSFORMER_HEADS = 2;

/**
 * How a model's step runs. 'js': the bag step in JavaScript (bag.ts), for the pure-JS
 * backend. 'graph': the bag step as TF.js ops on the device, the table a TF variable
 * (bagGraph.ts), for the native and CUDA backends, where JS work would leave the device
 * idle and ship every batch across. 'tf': TF.js ops around the JS table (cnn, transformer).
 */
export type TrainPath = 'js' | 'graph' | 'tf';
/** What the training loop needs of a model, whichever path runs its step. */
export interface Model {
  readonly config: ModelConfig;
  readonly path: TrainPath;
  trainStep(task: string, b: Batch, weight?: number): number;
  predict(task: string, b: Batch): Float32Array;
  state(): ModelState;
  load(s: ModelState, opts?: { rows?: Int32Array; heads?: Head[] }): void;
  dispose(): void;
}

export class MultiTaskModel implements Model {
  readonly path: TrainPath = 'tf';
  readonly table: EmbeddingTable;
  readonly vars: Record<string, tf.Variable> = {};
  private readonly adam: Record<string, { m: tf.Variable; v: tf.Variable; t: number }> = {};
  private readonly init: (shape: number[]) => tf.Tensor;

  constructor(readonly config: ModelConfig) {
    const r = rng(config.seed);
    const uniform = (limit: number) => () => (r() * 2 - 1) * limit;
    this.table = new EmbeddingTable(config.vocab, config.dim, uniform(0.05));
    this.init = (shape) => {
      const limit = Math.sqrt(6 / (shape.at(-2)! * (shape.length > 2 ? shape[0] : 1) + shape.at(-1)!));
      return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, uniform(limit)), shape);
    };
    const { dim: D, hidden: H } = config;
    if (config.kind === 'cnn') this.add('conv.w', tf.reshape(this.init([3, D, H]), [3 * D, H])); // taps × dim rows, as im2col lays them out
    else {
      if (config.kind === 'transformer') {
        this.add('pos', tf.mul(this.init([config.maxLength ?? 256, D]), 0.1));
        for (const n of ['q', 'k', 'v', 'o']) this.add(`att.${n}`, this.init([D, D]));
        this.add('ffn.w1', this.init([D, H]));
        this.add('ffn.b1', tf.zeros([H]));
        this.add('ffn.w2', this.init([H, D]));
        this.add('ffn.b2', tf.zeros([D]));
        for (const n of ['ln1', 'ln2']) {
          this.add(`${n}.g`, tf.ones([D]));
          this.add(`${n}.b`, tf.zeros([D]));
        }
      }
      this.add('enc.w', this.init([D, H]));
    }
    this.add(config.kind === 'cnn' ? 'conv.b' : 'enc.b', tf.zeros([H]));
    for (const h of config.heads) this.addHead(h);
  }

  private add(name: string, t: tf.Tensor): void {
    // Unnamed TF.js variables: names are global in the engine, and two models may live side by side.
    this.vars[name] = tf.variable(t, true);
    this.adam[name] = { m: tf.variable(tf.zerosLike(t), false), v: tf.variable(tf.zerosLike(t), false), t: 0 };
    t.dispose();
  }

  private addHead(h: Head): void {
    this.add(headVar(h.name, 'w'), this.init([this.config.hidden, h.classes]));
    this.add(headVar(h.name, 'b'), tf.zeros([h.classes]));
  }

  protected head(task: string): Head {
    const h = this.config.heads.find((x) => x.name === task);
    if (!h) throw new Error(`model: no head for task '${task}'`);
    return h;
  }

  /** [B, H] features from X ([B, L, D], or pooled [B, D] for bag) and the mask [B, L] (1 = token). */
  private encode(X: tf.Tensor, mask: tf.Tensor2D | null): tf.Tensor2D {
    const v = this.vars;
    if (this.config.kind === 'cnn') {
      // X is the im2col matrix [B·L, 3D] (see inputs): a width-3 'same' convolution is one matMul.
      const [B, L] = mask!.shape, H = this.config.hidden;
      const conv = tf.reshape(tf.relu(tf.add(tf.matMul(X as tf.Tensor2D, v['conv.w'] as tf.Tensor2D), v['conv.b'])), [B, L, H]);
      // masked max over time: padding positions cannot win (relu ≥ 0, so multiplying by the mask is enough)
      return tf.max(tf.mul(conv, tf.expandDims(mask!, 2)), 1) as tf.Tensor2D;
    }
    const pooled = this.config.kind === 'transformer' ? this.transformer(X as tf.Tensor3D, mask!) : (X as tf.Tensor2D);
    return tf.relu(tf.add(tf.matMul(pooled, v['enc.w'] as tf.Tensor2D), v['enc.b'])) as tf.Tensor2D;
  }

  /** One post-norm encoder layer (self-attention, then a feed-forward block), mean-pooled over tokens: [B, D]. */
  private transformer(X: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
    const v = this.vars, [B, L, D] = X.shape, h = TRANSFORMER_HEADS, dk = D / h;
    const x = tf.add(X, tf.slice(v['pos'], [0, 0], [L, D])) as tf.Tensor3D;
    const flat = tf.reshape(x, [B * L, D]) as tf.Tensor2D;
    const split = (w: string) => tf.transpose(tf.reshape(tf.matMul(flat, v[w] as tf.Tensor2D), [B, L, h, dk]), [0, 2, 1, 3]) as tf.Tensor4D;
    const q = split('att.q'), k = split('att.k'), val = split('att.v');
    // padding keys get −1e9 before the softmax, so no token attends to them
    const bias = tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [B, 1, 1, L]);
    const att = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dk)), bias));
    const ctx = tf.reshape(tf.transpose(tf.matMul(att, val), [0, 2, 1, 3]), [B * L, D]) as tf.Tensor2D;
    const norm = (t: tf.Tensor2D, n: string) => {
      const { mean, variance } = tf.moments(t, -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-5))), v[`${n}.g`]), v[`${n}.b`]) as tf.Tensor2D;
    };
    const y = norm(tf.add(flat, tf.matMul(ctx, v['att.o'] as tf.Tensor2D)), 'ln1');
    const ffn = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(y, v['ffn.w1'] as tf.Tensor2D), v['ffn.b1'])) as tf.Tensor2D, v['ffn.w2'] as tf.Tensor2D), v['ffn.b2']);
    const z = tf.reshape(norm(tf.add(y, ffn), 'ln2'), [B, L, D]);
    const m3 = tf.expandDims(mask, 2);
    return tf.div(tf.sum(tf.mul(z, m3), 1), tf.maximum(tf.sum(m3, 1), 1)) as tf.Tensor2D;
  }

  protected logits(task: string, X: tf.Tensor, mask: tf.Tensor2D | null): tf.Tensor2D {
    return tf.add(tf.matMul(this.encode(X, mask), this.vars[headVar(task, 'w')] as tf.Tensor2D), this.vars[headVar(task, 'b')]) as tf.Tensor2D;
  }

  /**
   * The network's input, built in JS from the table, and how its gradient folds back into
   * one gradient row per token occurrence. bag: the masked mean of each text's embeddings
   * [B, D] (no [B, L, D] tensor is built: it was 60% of a step). cnn: the im2col matrix
   * [B·L, 3D], each position's previous, own and next embedding side by side (the CPU
   * backend's Conv2DBackpropFilter took 25.7 s for one batch of 64 × 200 tokens, and
   * building it from tensor slices 2.5 s). transformer: X [B, L, D].
   */
  private inputs(b: Batch): { X: tf.Tensor; mask: tf.Tensor2D | null; fold: (g: Float32Array) => { grad: Float32Array; pooled?: { length: number; scale: Float32Array } } } {
    const { dim: D } = this.config, L = b.length, w = this.table.weights;
    const mask = () => tf.tensor2d(Float32Array.from(b.ids, (id) => (id === 0 ? 0 : 1)), [b.size, L]);
    if (this.config.kind === 'bag') {
      const pooled = new Float32Array(b.size * D), scale = new Float32Array(b.size);
      for (let r = 0; r < b.size; r++) {
        let n = 0;
        const o = r * D;
        for (let j = 0; j < L; j++) {
          const id = b.ids[r * L + j];
          if (id === 0) continue;
          n++;
          for (let k = 0, src = id * D; k < D; k++) pooled[o + k] += w[src + k];
        }
        scale[r] = n ? 1 / n : 0;
        for (let k = 0; k < D; k++) pooled[o + k] *= scale[r];
      }
      return { X: tf.tensor2d(pooled, [b.size, D]), mask: null, fold: (grad) => ({ grad, pooled: { length: L, scale } }) };
    }
    if (this.config.kind === 'transformer') return { X: tf.tensor3d(this.table.gather(b.ids), [b.size, L, D]), mask: mask(), fold: (grad) => ({ grad }) };
    const cols = new Float32Array(b.size * L * 3 * D);
    for (let r = 0; r < b.size; r++)
      for (let j = 0; j < L; j++)
        for (let t = 0; t < 3; t++) {
          const p = j + t - 1;
          if (p < 0 || p >= L) continue;
          const id = b.ids[r * L + p];
          if (id !== 0) cols.set(w.subarray(id * D, (id + 1) * D), ((r * L + j) * 3 + t) * D);
        }
    const fold = (g: Float32Array) => {
      const occ = new Float32Array(b.size * L * D);
      for (let r = 0; r < b.size; r++)
        for (let j = 0; j < L; j++) {
          const dst = (r * L + j) * D;
          for (let t = 0; t < 3; t++) {
            const q = j - t + 1; // the position whose window holds token j at tap t
            if (q < 0 || q >= L) continue;
            const src = ((r * L + q) * 3 + t) * D;
            for (let k = 0; k < D; k++) occ[dst + k] += g[src + k];
          }
        }
      return { grad: occ };
    };
    return { X: tf.tensor2d(cols, [b.size * L, 3 * D]), mask: mask(), fold };
  }

  /** One optimisation step on one task's batch, the loss scaled by `weight`; returns the batch's mean loss. */
  trainStep(task: string, b: Batch, weight = 1): number {
    const classes = this.head(task).classes;
    const { X, mask, fold } = this.inputs(b);
    const names = Object.keys(this.vars).filter((n) => headTask(n) === null || headTask(n) === task);
    const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(b.labels, 'int32'), classes));
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, ...vs: tf.Tensor[]) => {
      void vs; // the variables are read through this.vars; passing them makes TF.js return their gradients
      return tf.mul(tf.losses.softmaxCrossEntropy(onehot, this.logits(task, x, mask)), weight) as tf.Scalar;
    })([X, ...names.map((n) => this.vars[n])]);
    const loss = value.dataSync()[0];
    const { lr } = this.config;
    const g = fold(grads[0].dataSync() as Float32Array);
    this.table.applyAdam(b.ids, g.grad, { ...ADAM, lr }, g.pooled);
    names.forEach((n, i) => this.adamStep(n, grads[i + 1]));
    tf.dispose([X, ...(mask ? [mask] : []), onehot, value, ...grads]);
    return loss / weight;
  }

  /** Adam on one variable with its own step count (so its bias correction is that of its own updates). */
  protected adamStep(name: string, g: tf.Tensor): void {
    const s = this.adam[name], { beta1, beta2, epsilon } = ADAM;
    const t = ++s.t;
    tf.tidy(() => {
      const m = tf.add(tf.mul(s.m, beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(s.v, beta2), tf.mul(tf.square(g), 1 - beta2));
      s.m.assign(m);
      s.v.assign(v);
      const step = this.config.lr / (1 - beta1 ** t), root = 1 / Math.sqrt(1 - beta2 ** t);
      this.vars[name].assign(tf.sub(this.vars[name], tf.div(tf.mul(m, step), tf.add(tf.mul(tf.sqrt(v), root), epsilon))));
    });
  }

  /** Class probabilities [B × classes] for one task's batch. */
  predict(task: string, b: Batch): Float32Array {
    this.head(task);
    return tf.tidy(() => {
      const { X, mask } = this.inputs(b);
      return tf.softmax(this.logits(task, X, mask)).dataSync() as Float32Array;
    });
  }

  /** The model's whole state as named arrays, for a checkpoint. */
  state(): ModelState {
    const s: ModelState = { 'table.w': this.table.weights, 'table.m': this.table.m, 'table.v': this.table.v, 'table.steps': this.table.steps };
    for (const [n, v] of Object.entries(this.vars)) {
      s[`var.${n}`] = v.dataSync() as Float32Array;
      s[`m.${n}`] = this.adam[n].m.dataSync() as Float32Array;
      s[`v.${n}`] = this.adam[n].v.dataSync() as Float32Array;
    }
    s['adam.steps'] = Uint32Array.from(Object.keys(this.vars), (n) => this.adam[n].t);
    return s;
  }

  /**
   * Loads a checkpoint's state. Whole (resume): every array, shapes checked. Encoder only
   * (init-from another run): table rows mapped token by token through `rows` (new row →
   * old row or −1), the encoder's variables, and the heads of tasks of the same name and
   * class count; the Adam moments start afresh, the new tasks' heads keep their fresh init.
   */
  load(s: ModelState, opts: { rows?: Int32Array; heads?: Head[] } = {}): void {
    const whole = !opts.rows;
    const names = Object.keys(this.vars);
    if (whole) {
      this.table.weights.set(s['table.w']);
      this.table.m.set(s['table.m']);
      this.table.v.set(s['table.v']);
      this.table.steps.set(s['table.steps']);
      const steps = s['adam.steps'];
      names.forEach((n, i) => {
        this.assign(n, s[`var.${n}`]);
        tf.tidy(() => {
          this.adam[n].m.assign(tf.tensor(s[`m.${n}`], this.vars[n].shape));
          this.adam[n].v.assign(tf.tensor(s[`v.${n}`], this.vars[n].shape));
        });
        this.adam[n].t = steps[i];
      });
      return;
    }
    const D = this.config.dim, w = this.table.weights, old = s['table.w'];
    opts.rows!.forEach((o, r) => { if (o >= 0) w.set(old.subarray(o * D, (o + 1) * D), r * D); });
    const same = new Set((opts.heads ?? []).filter((h) => this.config.heads.some((x) => x.name === h.name && x.classes === h.classes)).map((h) => h.name));
    for (const n of names) if (headTask(n) === null || same.has(headTask(n)!)) this.assign(n, s[`var.${n}`]);
  }

  private assign(name: string, data: Float32Array | Uint32Array | undefined): void {
    const v = this.vars[name];
    if (!data || data.length !== v.size) throw new Error(`checkpoint: '${name}' has ${data?.length ?? 0} values, the model needs ${v.size}`);
    tf.tidy(() => v.assign(tf.tensor(Float32Array.from(data), v.shape)));
  }

  dispose(): void {
    tf.dispose(Object.values(this.vars));
    for (const s of Object.values(this.adam)) tf.dispose([s.m, s.v]);
  }
}

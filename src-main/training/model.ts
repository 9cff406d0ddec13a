import * as tf from '@tensorflow/tfjs-core';
import { rng } from '../datasets/split';
import { ADAM, EmbeddingTable } from './embedding';

/**
 * A shared encoder with one classification head per task. Token embeddings live in a
 * JS table (row-sparse lazy Adam, see embedding.ts); the rest are TF.js variables
 * trained with Adam. The encoder reads the gathered embeddings X [B, L, D] and the
 * padding mask, so the gradient with respect to X is all the table needs.
 */
export type ModelKind = 'bag' | 'cnn';
export interface ModelConfig { kind: ModelKind; vocab: number; dim: number; hidden: number; heads: { name: string; classes: number }[]; lr: number; seed: number }

export interface Batch { ids: Int32Array; length: number; labels: Int32Array; size: number }

export class MultiTaskModel {
  readonly table: EmbeddingTable;
  readonly vars: Record<string, tf.Variable> = {};
  private readonly optimizer: tf.Optimizer;

  constructor(readonly config: ModelConfig) {
    const r = rng(config.seed);
    const uniform = (limit: number) => () => (r() * 2 - 1) * limit;
    this.table = new EmbeddingTable(config.vocab, config.dim, uniform(0.05));
    const glorot = (shape: number[]) => {
      const limit = Math.sqrt(6 / (shape.at(-2)! * (shape.length > 2 ? shape[0] : 1) + shape.at(-1)!));
      return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, uniform(limit)), shape);
    };
    const v = (name: string, t: tf.Tensor) => (this.vars[name] = tf.variable(t, true, name));
    const { dim: D, hidden: H } = config;
    const enc = config.kind === 'cnn' ? 'conv' : 'enc';
    v(`${enc}.w`, glorot(config.kind === 'cnn' ? [3, D, H] : [D, H]));
    v(`${enc}.b`, tf.zeros([H]));
    for (const h of config.heads) {
      v(`head.${h.name}.w`, glorot([H, h.classes]));
      v(`head.${h.name}.b`, tf.zeros([h.classes]));
    }
    this.optimizer = tf.train.adam(config.lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  }

  /** [B, H] features: cnn from X [B, L, D] and its mask [B, L] (1 = token, 0 = padding); bag from pooled X [B, D]. */
  private encode(X: tf.Tensor3D, mask: tf.Tensor2D | null): tf.Tensor2D {
    if (mask) {
      const m3 = tf.expandDims(mask, 2) as tf.Tensor3D;
      const conv = tf.relu(tf.add(tf.conv1d(X, this.vars['conv.w'] as tf.Tensor3D, 1, 'same'), this.vars['conv.b'])) as tf.Tensor3D;
      // masked max over time: padding positions cannot win (relu ≥ 0, so multiplying by the mask is enough)
      return tf.max(tf.mul(conv, m3), 1) as tf.Tensor2D;
    }
    return tf.relu(tf.add(tf.matMul(X as unknown as tf.Tensor2D, this.vars['enc.w'] as tf.Tensor2D), this.vars['enc.b'])) as tf.Tensor2D;
  }

  private logits(task: string, X: tf.Tensor3D, mask: tf.Tensor2D | null): tf.Tensor2D {
    return tf.add(tf.matMul(this.encode(X, mask), this.vars[`head.${task}.w`] as tf.Tensor2D), this.vars[`head.${task}.b`]) as tf.Tensor2D;
  }

  /**
   * The network's input. cnn: embeddings X [B, L, D] and the mask. bag: the masked mean of
   * each text's embeddings, pooled here in JS, so no [B, L, D] tensor is ever built
   * (it was 60% of a step even with the lab kernels); X is then [B, D], and `scale`
   * (1 / tokens per text) is each token's share of its text's gradient.
   */
  private inputs(b: Batch): { X: tf.Tensor3D; mask: tf.Tensor2D | null; scale: Float32Array | null } {
    const { dim: D } = this.config, L = b.length;
    if (this.config.kind === 'cnn') {
      const mask = Float32Array.from(b.ids, (id) => (id === 0 ? 0 : 1));
      return { X: tf.tensor3d(this.table.gather(b.ids), [b.size, L, D]), mask: tf.tensor2d(mask, [b.size, L]), scale: null };
    }
    const pooled = new Float32Array(b.size * D), scale = new Float32Array(b.size), w = this.table.weights;
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
    return { X: tf.tensor2d(pooled, [b.size, D]) as unknown as tf.Tensor3D, mask: null, scale };
  }

  /** One optimisation step on one task's batch, the loss scaled by `weight`; returns the batch's mean loss. */
  trainStep(task: string, b: Batch, weight = 1): number {
    const { X, mask, scale } = this.inputs(b);
    const names = Object.keys(this.vars).filter((n) => !n.startsWith('head.') || n.startsWith(`head.${task}.`));
    const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(b.labels, 'int32'), this.config.heads.find((h) => h.name === task)!.classes));
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, ...vs: tf.Tensor[]) => {
      void vs; // the variables are read through this.vars; passing them makes TF.js return their gradients
      return tf.mul(tf.losses.softmaxCrossEntropy(onehot, this.logits(task, x as tf.Tensor3D, mask)), weight) as tf.Scalar;
    })([X, ...names.map((n) => this.vars[n])]);
    const loss = value.dataSync()[0];
    this.table.applyAdam(b.ids, grads[0].dataSync() as Float32Array, { ...ADAM, lr: this.config.lr }, scale ? { length: b.length, scale } : undefined);
    this.optimizer.applyGradients(Object.fromEntries(names.map((n, i) => [n, grads[i + 1]])));
    tf.dispose([X, ...(mask ? [mask] : []), onehot, value, ...grads]);
    return loss / weight;
  }

  /** Class probabilities [B × classes] for one task's batch. */
  predict(task: string, b: Batch): Float32Array {
    return tf.tidy(() => {
      const { X, mask } = this.inputs(b);
      return tf.softmax(this.logits(task, X, mask)).dataSync() as Float32Array;
    });
  }

  dispose(): void {
    tf.dispose(Object.values(this.vars));
    this.optimizer.dispose();
  }
}

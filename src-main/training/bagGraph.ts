import * as tf from '@tensorflow/tfjs-core';
import { ADAM } from './embedding';
import { MultiTaskModel, headTask, type Batch, type Head, type ModelConfig, type ModelState, type TrainPath } from './model';

/**
 * The bag model for the native and CUDA backends: the table is a TF variable and a step
 * is TF.js ops from the ids to the updated weights (gather, masked mean, the layers, the
 * loss, its gradients, Adam), so the work stays on the device and only the ids go in
 * and the loss comes out. The table keeps lazy row-sparse Adam as the JS path does: a
 * row moves, and counts a step, only when the batch holds it, so both paths give the
 * same numbers (a test runs both on the CPU backend). The rest is MultiTaskModel's.
 */
export class BagGraphModel extends MultiTaskModel {
  override readonly path: TrainPath = 'graph';
  private readonly E: tf.Variable; // [V, D] the table
  private readonly Em: tf.Variable;
  private readonly Ev: tf.Variable;
  private readonly Es: tf.Variable; // [V, 1] each row's Adam step count (float: it feeds pow)

  constructor(config: ModelConfig) {
    if (config.kind !== 'bag') throw new Error(`the graph path is the bag model's, not ${config.kind}'s`);
    super(config); // draws the same initial model; its JS table seeds the variable
    const { vocab: V, dim: D } = config;
    this.E = tf.variable(tf.tensor2d(this.table.weights, [V, D]));
    this.Em = tf.variable(tf.zeros([V, D]), false);
    this.Ev = tf.variable(tf.zeros([V, D]), false);
    this.Es = tf.variable(tf.zeros([V, 1]), false);
  }

  /** Pooled [B, D]: the masked mean of each text's rows, gathered from `E` on the device. */
  private pool(E: tf.Tensor, ids: tf.Tensor1D, mask: tf.Tensor1D, B: number, L: number): tf.Tensor2D {
    const D = this.config.dim;
    const summed = tf.sum(tf.reshape(tf.mul(tf.gather(E, ids), tf.expandDims(mask, 1)), [B, L, D]), 1);
    return tf.div(summed, tf.maximum(tf.sum(tf.reshape(mask, [B, L]), 1, true), 1)) as tf.Tensor2D;
  }

  override trainStep(task: string, b: Batch, weight = 1): number {
    const classes = this.head(task).classes, B = b.size, L = b.length, V = this.config.vocab;
    const names = Object.keys(this.vars).filter((n) => headTask(n) === null || headTask(n) === task);
    const loss = tf.tidy(() => {
      const ids = tf.tensor1d(b.ids.subarray(0, B * L), 'int32');
      const mask = tf.cast(tf.notEqual(ids, 0), 'float32') as tf.Tensor1D;
      const onehot = tf.oneHot(tf.tensor1d(b.labels.subarray(0, B), 'int32'), classes);
      const { value, grads } = tf.valueAndGrads((E: tf.Tensor, ...vs: tf.Tensor[]) => {
        void vs; // read through this.vars; passing them makes TF.js return their gradients
        return tf.mul(tf.losses.softmaxCrossEntropy(onehot, this.logits(task, this.pool(E, ids, mask, B, L), null)), weight) as tf.Scalar;
      })([this.E, ...names.map((n) => this.vars[n])]);
      // lazy Adam on the rows the batch holds (padding, row 0, never moves)
      const held = tf.reshape(tf.greater(tf.unsortedSegmentSum(mask, ids, V), 0), [V, 1]);
      const { lr } = this.config, { beta1, beta2, epsilon } = ADAM;
      const g = grads[0], steps = tf.add(this.Es, tf.cast(held, 'float32'));
      const m = tf.where(held, tf.add(tf.mul(this.Em, beta1), tf.mul(g, 1 - beta1)), this.Em);
      const v = tf.where(held, tf.add(tf.mul(this.Ev, beta2), tf.mul(tf.square(g), 1 - beta2)), this.Ev);
      const t = tf.maximum(steps, 1); // rows never held: their (unused) correction stays finite
      const step = tf.div(lr, tf.sub(1, tf.pow(beta1, t))), root = tf.rsqrt(tf.sub(1, tf.pow(beta2, t)));
      this.E.assign(tf.where(held, tf.sub(this.E, tf.div(tf.mul(m, step), tf.add(tf.mul(tf.sqrt(v), root), epsilon))), this.E));
      this.Em.assign(m);
      this.Ev.assign(v);
      this.Es.assign(steps);
      names.forEach((n, i) => this.adamStep(n, grads[i + 1]));
      return value.dataSync()[0]; // the one number that leaves the device
    });
    return loss / weight;
  }

  override predict(task: string, b: Batch): Float32Array {
    this.head(task);
    return tf.tidy(() => {
      const ids = tf.tensor1d(b.ids.subarray(0, b.size * b.length), 'int32');
      const mask = tf.cast(tf.notEqual(ids, 0), 'float32') as tf.Tensor1D;
      return tf.softmax(this.logits(task, this.pool(this.E, ids, mask, b.size, b.length), null)).dataSync() as Float32Array;
    });
  }

  override state(): ModelState {
    const s = super.state();
    s['table.w'] = this.E.dataSync() as Float32Array;
    s['table.m'] = this.Em.dataSync() as Float32Array;
    s['table.v'] = this.Ev.dataSync() as Float32Array;
    s['table.steps'] = Uint32Array.from(this.Es.dataSync());
    return s;
  }

  override load(s: ModelState, opts: { rows?: Int32Array; heads?: Head[] } = {}): void {
    super.load(s, opts); // the dense variables, and the table into the JS copy
    const { vocab: V, dim: D } = this.config;
    tf.tidy(() => {
      this.E.assign(tf.tensor2d(this.table.weights, [V, D]));
      if (opts.rows) return;
      this.Em.assign(tf.tensor2d(this.table.m, [V, D]));
      this.Ev.assign(tf.tensor2d(this.table.v, [V, D]));
      this.Es.assign(tf.tensor2d(Float32Array.from(this.table.steps), [V, 1]));
    });
  }

  override dispose(): void {
    super.dispose();
    tf.dispose([this.E, this.Em, this.Ev, this.Es]);
  }
}

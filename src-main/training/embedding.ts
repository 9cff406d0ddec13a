/**
 * An embedding table that lives in JavaScript memory and trains row-sparsely.
 * Rows are gathered here into the [tokens × D] input of the network; the gradient that
 * comes back is added into the rows it belongs to, and lazy Adam updates only the rows a
 * batch touched. Each row keeps its own step count, so its bias correction is that of
 * Adam applied to the row alone: a row updated at every step follows dense Adam exactly,
 * and a rare word is not under-corrected. Row 0 (padding) never moves.
 */
export interface AdamConfig { lr: number; beta1: number; beta2: number; epsilon: number }
export const ADAM: AdamConfig = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }; // TF.js defaults

export class EmbeddingTable {
  readonly weights: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly steps: Uint32Array;
  private readonly slot: Int32Array; // row → position in the current batch's unique rows, or -1
  private gradBuf: Float32Array;

  /** `alloc`: where the arrays live (the JS bag path keeps them in its arena, see arena.ts). */
  constructor(readonly rows: number, readonly dim: number, init?: (i: number) => number, alloc?: { f32(n: number): Float32Array; u32(n: number): Uint32Array }) {
    const f32 = alloc ? (n: number) => alloc.f32(n) : (n: number) => new Float32Array(n);
    this.weights = f32(rows * dim);
    if (init) for (let i = dim; i < this.weights.length; i++) this.weights[i] = init(i);
    this.m = f32(rows * dim);
    this.v = f32(rows * dim);
    this.steps = alloc ? alloc.u32(rows) : new Uint32Array(rows);
    this.slot = new Int32Array(rows).fill(-1);
    this.gradBuf = new Float32Array(1024 * dim);
  }

  /** Rows of `ids` into a [ids.length × dim] matrix (row 0 is zeros). */
  gather(ids: Int32Array, out = new Float32Array(ids.length * this.dim)): Float32Array {
    const D = this.dim, w = this.weights;
    for (let i = 0; i < ids.length; i++) {
      const src = ids[i] * D, dst = i * D;
      for (let k = 0; k < D; k++) out[dst + k] = w[src + k];
    }
    return out;
  }

  /**
   * One lazy-Adam step from the gradient of the gathered matrix: `grad` is [ids.length × dim].
   * Duplicate ids are summed first (that is the segment sum); returns the rows updated.
   */
  applyAdam(ids: Int32Array, grad: Float32Array, c: AdamConfig = ADAM, pooled?: { length: number; scale: Float32Array }): number {
    const D = this.dim, slot = this.slot;
    const unique: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i];
      if (r !== 0 && slot[r] < 0) slot[r] = unique.push(r) - 1;
    }
    if (this.gradBuf.length < unique.length * D) this.gradBuf = new Float32Array(unique.length * D * 2);
    const g = this.gradBuf;
    g.fill(0, 0, unique.length * D);
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i];
      if (r === 0) continue;
      const dst = slot[r] * D;
      if (pooled) {
        // mean pooling: occurrence i shares its text's gradient row, scaled by 1/tokens
        const t = Math.floor(i / pooled.length), f = pooled.scale[t], src = t * D;
        for (let k = 0; k < D; k++) g[dst + k] += f * grad[src + k];
      } else for (let k = 0, src = i * D; k < D; k++) g[dst + k] += grad[src + k];
    }
    const { lr, beta1, beta2, epsilon } = c, w = this.weights, m = this.m, v = this.v;
    const b1 = 1 - beta1, b2 = 1 - beta2;
    for (let u = 0; u < unique.length; u++) {
      const r = unique[u];
      slot[r] = -1;
      const t = ++this.steps[r];
      // w -= lr · (m / c1) / (√(v / c2) + ε), with the divisions hoisted out of the row
      const step = lr / (1 - Math.pow(beta1, t)), root = 1 / Math.sqrt(1 - Math.pow(beta2, t));
      const base = r * D, gb = u * D;
      for (let k = 0; k < D; k++) {
        const gk = g[gb + k], j = base + k;
        const mk = (m[j] = beta1 * m[j] + b1 * gk);
        const vk = (v[j] = beta2 * v[j] + b2 * gk * gk);
        w[j] -= (step * mk) / (Math.sqrt(vk) * root + epsilon);
      }
    }
    return unique.length;
  }
}

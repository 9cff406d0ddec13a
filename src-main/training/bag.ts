/**
 * The bag model's step as plain loops over typed arrays: masked-mean pooling, the
 * encoder layer, the head, softmax cross-entropy, their gradients, Adam on the dense
 * parameters and lazy row-sparse Adam on the table (see embedding.ts), with no TF.js
 * tensor in between. On the pure-JS backend TF.js spent most of a bag step building and
 * freeing small tensors around a few thousand multiply-adds.
 *
 * The work is written as ranges so threads can share it (threads.ts): `forward` handles
 * texts [b0, b1), `update` the dense rows and table rows a part owns. Every sum runs
 * over texts, or over a row's occurrences, in batch order whatever the split, so any
 * thread count gives the same numbers bit for bit.
 *
 * The row loops go through `ops` (rows.ts): WebAssembly SIMD over the memory the arrays
 * live in, or plain JS. Self-contained on purpose: a worker runs this function's source.
 */
export interface BagArrays {
  /** the table: weights, Adam moments, per-row step counts */
  w: Float32Array; m: Float32Array; v: Float32Array; steps: Uint32Array;
  /** dense parameters back to back (enc.w [D·H], enc.b [H], then per head w [H·C], b [C]) and their moments */
  p: Float32Array; pm: Float32Array; pv: Float32Array;
  /** the batch: ids [B·L] and labels [B] */
  ids: Int32Array; labels: Int32Array;
  /** each text's distinct ids in order of first occurrence (text b's at b·L), how often each occurs, how many [B] */
  uids: Int32Array; ucount: Int32Array; un: Int32Array;
  /** per-text scratch: pooled [B·D], 1/tokens [B], hidden [B·H], probabilities [B·C], their gradients, loss [B] */
  pooled: Float32Array; scale: Float32Array; h: Float32Array; probs: Float32Array; dlogits: Float32Array; dh: Float32Array; dpooled: Float32Array; loss: Float64Array;
  /** each part's scratch: dense gradients [D·H + max(D, H)] and the table rows' gradient sums [min(V, B·L)·D] */
  acc: Float32Array[]; g: Float32Array[];
}
/** One step's or prediction's shape: batch B × L, the head's offsets and classes, and (training) its scalars. */
export interface BagJob { B: number; L: number; C: number; hw: number; hb: number; train: boolean; weight: number; lr: number; encStep: number; encRoot: number; headStep: number; headRoot: number }

export function bagKernels(V: number, D: number, H: number, ops: RowOps) {
  const beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, c1 = 1 - beta1, c2 = 1 - beta2;
  let logit = new Float64Array(16), hg = new Float64Array(16);
  const slot = new Int32Array(V).fill(-1);
  const seenIn = new Int32Array(V), at = new Int32Array(V); // the last text (stamp) each id was seen in, and where in its list
  let stamp = 0;
  let unique = new Int32Array(1024), first = new Int32Array(1024), byRow = new Int32Array(0);

  // Adam's bias corrections by step count, 1 / (1 − β1^t) and 1 / √(1 − β2^t): two Math.pow per row were a tenth of a step
  let corr1 = new Float64Array(0), corr2 = new Float64Array(0);
  function grow(t: number): void {
    const n = Math.max(1024, 2 * t);
    corr1 = Float64Array.from({ length: n }, (_, i) => 1 / (1 - Math.pow(beta1, i)));
    corr2 = Float64Array.from({ length: n }, (_, i) => 1 / Math.sqrt(1 - Math.pow(beta2, i)));
  }

  /** Adam on p[o…o+n) from gradient gr[0…n) (the dense layers' rule, one step size per tensor). */
  function adam(s: BagArrays, o: number, gr: Float32Array | Float64Array, n: number, step: number, root: number): void {
    const p = s.p, pm = s.pm, pv = s.pv;
    for (let k = 0; k < n; k++) {
      const gk = gr[k], j = o + k;
      const mk = (pm[j] = beta1 * pm[j] + c1 * gk);
      const vk = (pv[j] = beta2 * pv[j] + c2 * gk * gk);
      p[j] -= (step * mk) / (Math.sqrt(vk) * root + epsilon);
    }
  }

  return {
    /** Texts [b0, b1): pooled input, hidden layer, class probabilities, loss; when training, the gradients back to the pooled input. */
    forward(s: BagArrays, j: BagJob, b0: number, b1: number): void {
      const { B, L, C, hw, hb } = j, w = s.w, p = s.p, ids = s.ids, pooled = s.pooled, h = s.h;
      const eb = D * H, f = j.weight / B;
      if (logit.length < C) logit = new Float64Array(C);
      for (let b = b0; b < b1; b++) {
        const o = b * D;
        // a word repeated in a text is read (and, below, its gradient written) once, times its count
        const ub = b * L, uids = s.uids, uc = s.ucount;
        if (++stamp === 0x7fffffff) {
          seenIn.fill(0);
          stamp = 1;
        }
        let n = 0, u = 0;
        for (let t = ub, end = t + L; t < end; t++) {
          const id = ids[t];
          if (id === 0) continue;
          n++;
          if (seenIn[id] === stamp) uc[ub + at[id]]++;
          else {
            seenIn[id] = stamp;
            at[id] = u;
            uids[ub + u] = id;
            uc[ub + u++] = 1;
          }
        }
        s.un[b] = u;
        pooled.fill(0, o, o + D);
        ops.pool(pooled, o, w, uids, uc, ub, u, D);
        const sc = n ? 1 / n : 0;
        s.scale[b] = sc;
        for (let k = 0; k < D; k++) pooled[o + k] *= sc;
        // hidden = relu(pooled · W + b)
        const ho = b * H;
        h.set(p.subarray(eb, eb + H), ho);
        ops.matvec(h, ho, pooled, o, p, 0, D, H);
        for (let k = ho; k < ho + H; k++) if (!(h[k] > 0)) h[k] = 0;
        // logits = hidden · Wh + bh; softmax
        let max = -Infinity;
        for (let c = 0; c < C; c++) {
          let z = p[hb + c];
          for (let k = 0; k < H; k++) z += h[ho + k] * p[hw + k * C + c];
          logit[c] = z;
          if (z > max) max = z;
        }
        let sum = 0;
        for (let c = 0; c < C; c++) sum += Math.exp(logit[c] - max);
        const lse = max + Math.log(sum), y = s.labels[b], po = b * C;
        for (let c = 0; c < C; c++) s.probs[po + c] = Math.exp(logit[c] - lse);
        s.loss[b] = lse - logit[y];
        if (!j.train) continue;
        // d loss / d logits = (p − onehot) · weight / B; back through the head, the relu and the encoder layer
        for (let c = 0; c < C; c++) s.dlogits[po + c] = (Math.exp(logit[c] - lse) - (c === y ? 1 : 0)) * f;
        for (let k = 0; k < H; k++) {
          let d = 0;
          if (h[ho + k] > 0) for (let c = 0; c < C; c++) d += s.dlogits[po + c] * p[hw + k * C + c];
          s.dh[ho + k] = d;
        }
        ops.matvecT(s.dpooled, o, s.dh, ho, p, 0, D, H);
      }
    },

    /**
     * Part `part` of `parts`: the gradients of the encoder rows it owns (and, part 0, of
     * the encoder bias and the head) with their Adam steps, then the table rows it owns
     * (row r belongs to part r mod parts): summed over the batch's occurrences, lazy Adam.
     * Returns the table rows updated.
     */
    update(s: BagArrays, j: BagJob, part: number, parts: number): number {
      const { B, L, C, hw, hb, lr } = j, pooled = s.pooled, dh = s.dh, h = s.h, dl = s.dlogits;
      const { axpy, adamRow } = ops, eb = D * H, rows = Math.ceil(D / parts), gr = s.acc[part];
      // the encoder rows this part owns: Σ_b pooled[b, i] · dh[b] for each, summed over the batch in order
      const i0 = Math.min(D, part * rows), i1 = Math.min(D, i0 + rows);
      gr.fill(0, 0, (i1 - i0) * H);
      for (let b = 0; b < B; b++) ops.ger(gr, 0, pooled, b * D + i0, dh, b * H, i1 - i0, H);
      for (let i = i0; i < i1; i++) adam(s, i * H, gr.subarray((i - i0) * H, (i - i0 + 1) * H), H, j.encStep, j.encRoot);
      if (part === 0) {
        gr.fill(0, 0, H);
        for (let b = 0; b < B; b++) axpy(gr, 0, 1, dh, b * H, H);
        adam(s, eb, gr, H, j.encStep, j.encRoot);
        if (hg.length < C) hg = new Float64Array(C);
        for (let k = 0; k < H; k++) {
          for (let c = 0; c < C; c++) hg[c] = 0;
          for (let b = 0; b < B; b++) {
            const x = h[b * H + k];
            if (x !== 0) for (let c = 0; c < C; c++) hg[c] += x * dl[b * C + c];
          }
          adam(s, hw + k * C, hg, C, j.headStep, j.headRoot);
        }
        for (let c = 0; c < C; c++) hg[c] = 0;
        for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) hg[c] += dl[b * C + c];
        adam(s, hb, hg, C, j.headStep, j.headRoot);
      }

      // the table: each occurrence adds its text's pooled gradient, scaled by 1/tokens, to its row
      const dp = s.dpooled, scale = s.scale, sl = slot, uids = s.uids, uc = s.ucount, un = s.un;
      // the rows this part owns, in order of first occurrence, and (if it is in one text only) where
      let u = 0;
      for (let b = 0; b < B; b++)
        for (let q = b * L, end = q + un[b]; q < end; q++) {
          const r = uids[q];
          if (parts > 1 && r % parts !== part) continue;
          const a = sl[r];
          if (a >= 0) {
            first[a] = -1; // in two texts: its gradient is a sum, built in g below
            continue;
          }
          if (u === unique.length) {
            const grow2 = (x: Int32Array) => { const y = new Int32Array(u * 2); y.set(x); return y; };
            unique = grow2(unique);
            first = grow2(first);
          }
          sl[r] = u;
          first[u] = q;
          unique[u++] = r;
        }
      // locals, not the closure's re-assignable bindings, so V8 keeps them in registers
      const gs = s.g[part], uq = unique, fo = first, st = s.steps;
      for (let b = 0; b < B; b++)
        for (let q = b * L, end = q + un[b]; q < end; q++) {
          const a = sl[uids[q]];
          if (a < 0 || fo[a] >= 0) continue; // another part's row, or a row of one text (read straight from dp below)
          const dst = a * D;
          if (fo[a] === -1) {
            fo[a] = -2;
            gs.fill(0, dst, dst + D);
          }
          axpy(gs, dst, scale[b] * uc[q], dp, b * D, D);
        }
      const w = s.w, m = s.m, v = s.v;
      // rows in address order: the table is read and written front to back, which the prefetcher follows
      // (a batch touching much of the table finds them faster by a scan of the slots than by a sort)
      let order = uq.subarray(0, u);
      if (u * 8 > V) {
        if (byRow.length < u) byRow = new Int32Array(uq.length);
        for (let r = 1, o = 0; o < u; r++) if (sl[r] >= 0) byRow[o++] = r;
        order = byRow;
      } else order.sort();
      for (let o = 0; o < u; o++) {
        const r = order[o], q = sl[r];
        sl[r] = -1;
        const t = ++st[r];
        if (t >= corr1.length) grow(t);
        const i = fo[q];
        if (i >= 0) {
          const tx = (i / L) | 0;
          adamRow(w, m, v, r * D, dp, tx * D, scale[tx] * uc[i], lr * corr1[t], corr2[t], D);
        } else adamRow(w, m, v, r * D, gs, q * D, 1, lr * corr1[t], corr2[t], D);
      }
      return u;
    },
  };
}
export type BagKernels = ReturnType<typeof bagKernels>;

/** The row loops the kernels are built from (see rowOps). */
export interface RowOps {
  /** y[yo…yo+n) += a · x[xo…xo+n) */
  axpy(y: Float32Array, yo: number, a: number, x: Float32Array, xo: number, n: number): void;
  /** x[xo…xo+n) · y[yo…yo+n) */
  dot(x: Float32Array, xo: number, y: Float32Array, yo: number, n: number): number;
  /** lazy Adam on the row at `o` of w, m, v from the gradient f · g[go…go+n) */
  adamRow(w: Float32Array, m: Float32Array, v: Float32Array, o: number, g: Float32Array, go: number, f: number, step: number, root: number, n: number): void;
  /** y[yo…yo+n) += Σ c[q] · w[ids[q]·n …] over q in [qo, qo+u): a text's distinct rows, each times its count */
  pool(y: Float32Array, yo: number, w: Float32Array, ids: Int32Array, c: Int32Array, qo: number, u: number, n: number): void;
  /** y[yo…yo+h) += x[xo…xo+d) · W (d × h, at wo) */
  matvec(y: Float32Array, yo: number, x: Float32Array, xo: number, W: Float32Array, wo: number, d: number, h: number): void;
  /** y[yo+i] = x[xo…xo+h) · W row i, for i < d (the product with W's transpose) */
  matvecT(y: Float32Array, yo: number, x: Float32Array, xo: number, W: Float32Array, wo: number, d: number, h: number): void;
  /** G row i (of d, h wide, at go) += x[xo+i] · y[yo…yo+h) */
  ger(G: Float32Array, go: number, x: Float32Array, xo: number, y: Float32Array, yo: number, d: number, h: number): void;
}
type Ptr = number;
export interface BagWasm {
  axpy(y: Ptr, x: Ptr, a: number, n: number): void; dot(x: Ptr, y: Ptr, n: number): number; adam_row(w: Ptr, m: Ptr, v: Ptr, g: Ptr, f: number, step: number, root: number, n: number): void;
  pool(y: Ptr, w: Ptr, ids: Ptr, c: Ptr, u: number, n: number): void; matvec(y: Ptr, x: Ptr, W: Ptr, d: number, h: number): void; matvec_t(y: Ptr, x: Ptr, W: Ptr, d: number, h: number): void; ger(G: Ptr, x: Ptr, y: Ptr, d: number, h: number): void;
}

/**
 * The row loops: in WebAssembly SIMD (wasm/bag.wat) when the arrays live in its memory
 * (byte offsets are the arrays' own plus the index), else in JS with the same arithmetic
 * in float32 steps. Self-contained: a worker runs its source text.
 */
export function rowOps(wasm: BagWasm | null): RowOps {
  if (wasm) {
    const e = wasm;
    return {
      axpy: (y, yo, a, x, xo, n) => e.axpy(y.byteOffset + 4 * yo, x.byteOffset + 4 * xo, a, n),
      dot: (x, xo, y, yo, n) => e.dot(x.byteOffset + 4 * xo, y.byteOffset + 4 * yo, n),
      adamRow: (w, m, v, o, g, go, f, step, root, n) => e.adam_row(w.byteOffset + 4 * o, m.byteOffset + 4 * o, v.byteOffset + 4 * o, g.byteOffset + 4 * go, f, step, root, n),
      pool: (y, yo, w, ids, c, qo, u, n) => e.pool(y.byteOffset + 4 * yo, w.byteOffset, ids.byteOffset + 4 * qo, c.byteOffset + 4 * qo, u, n),
      matvec: (y, yo, x, xo, W, wo, d, h) => e.matvec(y.byteOffset + 4 * yo, x.byteOffset + 4 * xo, W.byteOffset + 4 * wo, d, h),
      matvecT: (y, yo, x, xo, W, wo, d, h) => e.matvec_t(y.byteOffset + 4 * yo, x.byteOffset + 4 * xo, W.byteOffset + 4 * wo, d, h),
      ger: (G, go, x, xo, y, yo, d, h) => e.ger(G.byteOffset + 4 * go, x.byteOffset + 4 * xo, y.byteOffset + 4 * yo, d, h),
    };
  }
  const f32 = Math.fround;
  const axpy = (y: Float32Array, yo: number, a: number, x: Float32Array, xo: number, n: number) => {
    for (let k = 0; k < n; k++) y[yo + k] += f32(a * x[xo + k]);
  };
  const dot = (x: Float32Array, xo: number, y: Float32Array, yo: number, n: number) => {
    let s = 0;
    for (let k = 0; k < n; k++) s = f32(s + f32(x[xo + k] * y[yo + k]));
    return s;
  };
  return {
    axpy,
    dot,
    pool(y, yo, w, ids, c, qo, u, n) {
      for (let q = qo; q < qo + u; q++) axpy(y, yo, c[q], w, ids[q] * n, n);
    },
    matvec(y, yo, x, xo, W, wo, d, h) {
      for (let i = 0; i < d; i++) if (x[xo + i] !== 0) axpy(y, yo, x[xo + i], W, wo + i * h, h);
    },
    matvecT(y, yo, x, xo, W, wo, d, h) {
      for (let i = 0; i < d; i++) y[yo + i] = dot(x, xo, W, wo + i * h, h);
    },
    ger(G, go, x, xo, y, yo, d, h) {
      for (let i = 0; i < d; i++) if (x[xo + i] !== 0) axpy(G, go + i * h, x[xo + i], y, yo, h);
    },
    adamRow(w, m, v, o, g, go, f, step, root, n) {
      for (let k = 0; k < n; k++) {
        const gk = f32(f * g[go + k]), x = o + k;
        const mk = (m[x] = 0.9 * m[x] + 0.1 * gk), vk = (v[x] = 0.999 * v[x] + 0.001 * gk * gk);
        w[x] -= (step * mk) / (Math.sqrt(vk) * root + 1e-7);
      }
    },
  };
}

/** Arrays of `n` elements, over a SharedArrayBuffer when threads will share them. */
export function sharedArray<T extends Float32Array | Float64Array | Int32Array | Uint32Array>(Type: { new (b: ArrayBufferLike): T; BYTES_PER_ELEMENT: number }, n: number): T {
  return new Type(new SharedArrayBuffer(n * Type.BYTES_PER_ELEMENT));
}

import { rng } from '../datasets/split';
import { Arena } from './arena';
import { bagKernels, type BagArrays, type BagJob, type BagKernels } from './bag';
import { ADAM, EmbeddingTable } from './embedding';
import { headTask, headVar, type Batch, type Head, type ModelConfig, type ModelState } from './model';
import { BagThreads } from './threads';

/**
 * The bag model on the pure-JS backend: the same network, initialisation, Adam and
 * checkpoint layout as the TF.js model (model.ts), its step run by the kernels of
 * bag.ts, on `threads` threads (1: this one alone). Any thread count gives the same
 * numbers (see bag.ts), so a resumed run equals the uninterrupted one whatever it ran on.
 */
interface Dense { name: string; offset: number; size: number; shape: number[] }

export class BagModel {
  readonly path = 'js' as const;
  readonly table: EmbeddingTable;
  private readonly dense: Dense[] = [];
  private readonly steps: Uint32Array; // Adam step count per dense tensor, in `dense` order
  private readonly s: BagArrays;
  private readonly kernels: BagKernels;
  private readonly pool: BagThreads | null;
  private readonly arena: Arena;
  private capacity = { B: 0, L: 0, C: 0 };

  constructor(readonly config: ModelConfig, readonly threads = 1) {
    const r = rng(config.seed);
    const uniform = (limit: number) => () => (r() * 2 - 1) * limit;
    const { vocab: V, dim: D, hidden: H } = config;
    const shapes: [string, number[]][] = [['enc.w', [D, H]], ['enc.b', [H]]];
    for (const h of config.heads) shapes.push([headVar(h.name, 'w'), [H, h.classes]], [headVar(h.name, 'b'), [h.classes]]);
    let offset = 0;
    for (const [name, shape] of shapes) {
      const size = shape.reduce((a, b) => a * b, 1);
      this.dense.push({ name, offset, size, shape });
      offset += size;
    }
    // the table, the dense layers and a batch of 256 long texts' scratch, to reserve the memory at once
    this.arena = new Arena(4 * (3 * V * D + V + 3 * offset + threads * Math.min(V, 256 * (config.maxLength ?? 256)) * D));
    const a = this.arena, f32 = (n: number) => a.alloc(Float32Array, n);
    this.table = new EmbeddingTable(V, D, uniform(0.05), { f32, u32: (n) => a.alloc(Uint32Array, n) });
    const p = f32(offset);
    // Glorot-uniform weights and zero biases, drawn in the TF.js model's order (the same seed gives the same model)
    for (const d of this.dense) if (d.shape.length === 2) {
      const draw = uniform(Math.sqrt(6 / (d.shape[0] + d.shape[1])));
      for (let i = 0; i < d.size; i++) p[d.offset + i] = draw();
    }
    this.steps = new Uint32Array(this.dense.length);
    const t = this.table;
    const none = new Float32Array(0), noIds = new Int32Array(0);
    this.s = { w: t.weights, m: t.m, v: t.v, steps: t.steps, p, pm: f32(offset), pv: f32(offset), ids: noIds, labels: noIds, uids: noIds, ucount: noIds, un: noIds, pooled: none, scale: none, h: none, probs: none, dlogits: none, dh: none, dpooled: none, loss: new Float64Array(0), acc: [], g: [] };
    this.kernels = bagKernels(V, D, H, a.ops);
    this.pool = threads > 1 ? new BagThreads(threads, V, D, H, a.ops, a.share) : null;
  }

  private headOf(task: string): { head: Head; w: Dense; b: Dense; wi: number } {
    const head = this.config.heads.find((x) => x.name === task);
    if (!head) throw new Error(`model: no head for task '${task}'`);
    const wi = this.dense.findIndex((d) => d.name === headVar(task, 'w'));
    return { head, w: this.dense[wi], b: this.dense[wi + 1], wi };
  }

  /** Scratch for a batch of B × L with C classes; threads share it, so growing it re-sends it. */
  private fit(B: number, L: number, C: number): void {
    const c = this.capacity;
    if (B <= c.B && L <= c.L && C <= c.C) return;
    // room at once for evaluation's batches of 256, the longest texts and every head (the arena never frees)
    const { maxLength = 0, heads } = this.config;
    this.capacity = { B: Math.max(B, c.B, 256), L: Math.max(L, c.L, maxLength), C: Math.max(C, c.C, ...heads.map((h) => h.classes)) };
    const { B: nb, L: nl, C: nc } = this.capacity, { vocab: V, dim: D, hidden: H } = this.config;
    const a = this.arena, f32 = (n: number) => a.alloc(Float32Array, n), i32 = (n: number) => a.alloc(Int32Array, n);
    const parts = Array.from({ length: this.threads }, (_, i) => i);
    Object.assign(this.s, {
      ids: i32(nb * nl), labels: i32(nb), uids: i32(nb * nl), ucount: i32(nb * nl), un: i32(nb),
      pooled: f32(nb * D), scale: f32(nb), h: f32(nb * H), probs: f32(nb * nc), dlogits: f32(nb * nc), dh: f32(nb * H), dpooled: f32(nb * D),
      loss: a.alloc(Float64Array, nb), acc: parts.map(() => f32(D * H + Math.max(D, H))), g: parts.map(() => f32(Math.min(V, nb * nl) * D)),
    });
    this.pool?.bind(this.s);
  }

  private job(task: string, b: Batch, train: boolean, weight: number): BagJob {
    const { head, w, b: hb, wi } = this.headOf(task);
    this.fit(b.size, b.length, head.classes);
    this.s.ids.set(b.ids.subarray(0, b.size * b.length));
    this.s.labels.set(b.labels.subarray(0, b.size));
    const j: BagJob = { B: b.size, L: b.length, C: head.classes, hw: w.offset, hb: hb.offset, train, weight, lr: this.config.lr, encStep: 0, encRoot: 0, headStep: 0, headRoot: 0 };
    if (train) {
      // one Adam step count per tensor, as the TF.js model keeps them (the head moves only when its task trains)
      const bias = (i: number) => {
        const t = ++this.steps[i];
        return [this.config.lr / (1 - ADAM.beta1 ** t), 1 / Math.sqrt(1 - ADAM.beta2 ** t)];
      };
      [j.encStep, j.encRoot] = bias(0);
      bias(1);
      [j.headStep, j.headRoot] = bias(wi);
      bias(wi + 1);
    }
    return j;
  }

  /** One optimisation step on one task's batch, the loss scaled by `weight`; returns the batch's mean loss. */
  trainStep(task: string, b: Batch, weight = 1): number {
    const j = this.job(task, b, true, weight);
    if (this.pool) this.pool.step(j);
    else {
      this.kernels.forward(this.s, j, 0, j.B);
      this.kernels.update(this.s, j, 0, 1);
    }
    let loss = 0;
    for (let i = 0; i < j.B; i++) loss += this.s.loss[i];
    return loss / j.B;
  }

  /** Class probabilities [B × classes] for one task's batch. */
  predict(task: string, b: Batch): Float32Array {
    const j = this.job(task, b, false, 1);
    if (this.pool) this.pool.forward(j);
    else this.kernels.forward(this.s, j, 0, j.B);
    return this.s.probs.slice(0, j.B * j.C);
  }

  /** The model's whole state as named arrays, for a checkpoint (the TF.js model's names and order). */
  state(): ModelState {
    const t = this.table, s: ModelState = { 'table.w': t.weights, 'table.m': t.m, 'table.v': t.v, 'table.steps': t.steps };
    for (const d of this.dense) {
      const at = (a: Float32Array) => a.slice(d.offset, d.offset + d.size);
      s[`var.${d.name}`] = at(this.s.p);
      s[`m.${d.name}`] = at(this.s.pm);
      s[`v.${d.name}`] = at(this.s.pv);
    }
    s['adam.steps'] = Uint32Array.from(this.steps);
    return s;
  }

  /** Loads a checkpoint's state: whole (resume), or the encoder only (init-from; see MultiTaskModel.load). */
  load(s: ModelState, opts: { rows?: Int32Array; heads?: Head[] } = {}): void {
    const put = (d: Dense, into: Float32Array, data: Float32Array | Uint32Array | undefined) => {
      if (!data || data.length !== d.size) throw new Error(`checkpoint: '${d.name}' has ${data?.length ?? 0} values, the model needs ${d.size}`);
      into.set(data, d.offset);
    };
    if (!opts.rows) {
      this.table.weights.set(s['table.w']);
      this.table.m.set(s['table.m']);
      this.table.v.set(s['table.v']);
      this.table.steps.set(s['table.steps']);
      this.dense.forEach((d, i) => {
        put(d, this.s.p, s[`var.${d.name}`]);
        put(d, this.s.pm, s[`m.${d.name}`]);
        put(d, this.s.pv, s[`v.${d.name}`]);
        this.steps[i] = s['adam.steps'][i];
      });
      return;
    }
    const D = this.config.dim, w = this.table.weights, old = s['table.w'];
    opts.rows.forEach((o, r) => { if (o >= 0) w.set(old.subarray(o * D, (o + 1) * D), r * D); });
    const same = new Set((opts.heads ?? []).filter((h) => this.config.heads.some((x) => x.name === h.name && x.classes === h.classes)).map((h) => h.name));
    for (const d of this.dense) if (headTask(d.name) === null || same.has(headTask(d.name)!)) put(d, this.s.p, s[`var.${d.name}`]);
  }

  dispose(): void {
    this.pool?.close();
  }
}

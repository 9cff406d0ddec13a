import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Arena } from '../../src-main/training/arena';
import { initBackend } from '../../src-main/training/backend';
import { BAG_WASM } from '../../src-main/training/wasm/bagWasm';
import { EmbeddingTable } from '../../src-main/training/embedding';
import { LAB_KERNELS, useLabKernels, useStockKernels } from '../../src-main/training/kernels';
import { MultiTaskModel } from '../../src-main/training/model';
import { rng } from '../../src-main/datasets/split';

/** The same computation under the stock kernels and the lab's, as plain arrays. */
function both<T>(fn: () => T): { stock: T; lab: T } {
  useStockKernels();
  const stock = fn();
  useLabKernels();
  return { stock, lab: fn() };
}
const values = (t: tf.Tensor | tf.Tensor[]): number[] => (Array.isArray(t) ? t.flatMap((x) => Array.from(x.dataSync())) : Array.from(t.dataSync()));
const close = (a: number[], b: number[]) => {
  const fa = a.flat(), fb = b.flat();
  expect(fa.length).toBe(fb.length);
  fa.forEach((x, i) => expect(x).toBeCloseTo(fb[i], 5));
};

// the app's own start (registering the lab's kernels): a failure there is the registration test's failure, not a skipped suite
let started: unknown = null;
beforeAll(async () => {
  started = await initBackend('cpu').then(() => null, (e: unknown) => e);
});
afterAll(() => useLabKernels());

describe('registration', () => {
  it('once the CPU backend is up TF.js runs the lab\'s kernels, and the stock ones come back on request', () => {
    // initBackend('cpu') (beforeAll) is the app's own path: it must have registered them
    expect(started).toBeNull();
    const names = ['Sum', 'UnsortedSegmentSum', 'Multiply', 'Add', 'Sub', 'RealDiv', 'Transpose', 'BatchMatMul']; // TF.js's own kernel names
    expect(LAB_KERNELS.map((k) => [k.kernelName, k.backendName])).toEqual(names.map((n) => [n, 'cpu']));
    const running = () => names.map((n) => tf.getKernel(n, 'cpu')?.kernelFunc);
    expect(running()).toEqual(LAB_KERNELS.map((k) => k.kernelFunc));
    useLabKernels(); // idempotent: a second call keeps the stock kernels it saved
    useStockKernels();
    const stock = running();
    stock.forEach((f, i) => {
      expect(f).toBeTypeOf('function');
      expect(f).not.toBe(LAB_KERNELS[i].kernelFunc);
    });
    useStockKernels(); // nothing to put back twice
    expect(running()).toEqual(stock);
    // what a user would see: a [64 × 192] · [192 × 64] product summed in another order, so not bit for bit the stock one
    const r = rng(5), a = tf.tensor2d(Float32Array.from({ length: 64 * 192 }, () => r() - 0.5), [64, 192]), b = tf.tensor2d(Float32Array.from({ length: 192 * 64 }, () => r() - 0.5), [192, 64]);
    const { stock: s, lab } = both(() => values(tf.matMul(a, b)));
    expect(running()).toEqual(LAB_KERNELS.map((k) => k.kernelFunc));
    close(lab, s);
    expect(lab).not.toEqual(s);
  });
});

describe('lab CPU kernels agree with the stock kernels', () => {
  const r = rng(3);
  const rand = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1), shape);

  it('the gradient of gather (UnsortedSegmentSum), repeated and unused rows included', () => {
    const table = rand([7, 3]), ids = tf.tensor1d([0, 2, 2, 6, 2, 0], 'int32'), weights = rand([6, 3]);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), weights));
    const { stock, lab } = both(() => values(tf.grad(f)(table)));
    close(lab, stock);
    const x = rand([5, 2, 2]);
    const seg = both(() => values(tf.unsortedSegmentSum(x, tf.tensor1d([3, 0, 3, 1, 3], 'int32'), 4)));
    close(seg.lab, seg.stock);
  });

  it('broadcasting add, sub, multiply and divide, forward and backward', () => {
    const shapes: [number[], number[]][] = [[[2, 3, 4], [4]], [[2, 3, 4], [2, 1, 4]], [[2, 1, 4], [1, 3, 1]], [[5], [1]], [[3, 2], [3, 2]]];
    for (const [sa, sb] of shapes) {
      const a = rand(sa), b = tf.add(rand(sb), 2); // away from 0 for the division
      for (const op of [tf.add, tf.sub, tf.mul, tf.div]) {
        const { stock, lab } = both(() => [...values(op(a, b)), ...values(tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(op(x, y))))([a, b]))]);
        close(lab, stock);
      }
    }
  });

  it('matrix products: transposed operands, batches, broadcast batches, and their gradients', () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[3, 5], [5, 4], false, false], [[5, 3], [5, 4], true, false], [[3, 5], [4, 5], false, true], [[5, 3], [4, 5], true, true],
      [[2, 3, 6], [2, 6, 4], false, false], [[2, 2, 3, 5], [1, 5, 3], false, false], [[1, 4, 3], [3, 2, 4], true, true], [[3, 7], [7, 1], false, false],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const a = rand(sa), b = rand(sb);
      // TF.js's own BatchMatMul gradient does not reduce over broadcast batch dimensions: forward only there
      const sameBatch = sa.slice(0, -2).join() === sb.slice(0, -2).join();
      const { stock, lab } = both(() => [...values(tf.matMul(a, b, ta, tb)), ...(sameBatch ? values(tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb))))([a, b])) : [])]);
      close(lab, stock);
    }
    // exact zeros (relu outputs, padding) are skipped four at a time: a row of A with a whole zero group, one zero in a group, a zero tail
    const z = tf.tensor2d([[0, 0, 0, 0, 1, 2, 0, 3, 0], [5, 0, 0, 0, 0, 0, 0, 0, 4], [0, 6, 0, 0, 0, 0, 7, 0, 0], [0, 0, 0, 8, 0, 0, 0, 0, 0]]), w = rand([9, 3]);
    const zeros = both(() => values(tf.matMul(z, w)));
    close(zeros.lab, zeros.stock);
    expect(() => tf.matMul(rand([2, 3]), rand([4, 2]))).toThrow(/inner shapes/);
  });

  it('integers, empty tensors, integer division, out-of-range segment ids and shapes that cannot broadcast, as stock does', () => {
    const ints = (shape: number[]) => tf.tensor(Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * 19) - 9), shape, 'int32');
    const a = ints([2, 3, 4]), b = ints([3, 1]), nz = tf.add(tf.abs(ints([4])), 1) as tf.Tensor, x = rand([4, 2]), m = ints([2, 3]), n = ints([3, 2]);
    const cases: [string, () => tf.Tensor][] = [
      ['add', () => tf.add(a, b)], ['sub', () => tf.sub(a, b)], ['mul', () => tf.mul(a, b)], ['div', () => tf.div(a, nz)],
      ['sum', () => tf.sum(a, [0, 2])], ['sum all', () => tf.sum(a)], ['transpose', () => tf.transpose(a, [2, 0, 1])],
      ['segments', () => tf.unsortedSegmentSum(a, tf.tensor1d([1, -1], 'int32'), 2)], ['out of range', () => tf.unsortedSegmentSum(x, tf.tensor1d([0, 5, 1, 2], 'int32'), 3)],
      ['empty', () => tf.add(rand([0, 3]), rand([3]))], ['empty sum', () => tf.sum(rand([2, 0, 3]), 1)], ['empty segments', () => tf.unsortedSegmentSum(rand([0, 2]), tf.tensor1d([], 'int32'), 2)],
      ['bool', () => tf.mul(tf.tensor1d([1, 0, 1], 'bool'), tf.tensor1d([1, 1, 0], 'bool'))], ['int matmul', () => tf.matMul(m, n)],
    ];
    for (const [name, f] of cases) {
      const { stock, lab } = both(() => {
        const t = f();
        return { dtype: t.dtype, shape: t.shape, values: values(t) };
      });
      // stock sums int32 segments into float32; the lab keeps int32, as TensorFlow does
      expect(lab, name).toEqual(name === 'segments' ? { ...stock, dtype: 'int32' } : stock);
    }
    expect(() => tf.add(rand([2, 3]), rand([4]))).toThrow(/could not be broadcast together with shapes 2,3 and 4/);
  });

  it('sum over any axes, and transpose', () => {
    const x = rand([3, 4, 5, 2]);
    for (const axis of [0, 1, 2, 3, -1, [0, 2], [1, 3], [0, 1, 2, 3]]) for (const keep of [false, true]) {
      const { stock, lab } = both(() => values(tf.sum(x, axis, keep)));
      close(lab, stock);
    }
    const ones = rand([1, 3, 1, 2]); // size-1 axes, first and last after the permutation
    for (const [t, perm] of [[x, [0, 2, 1, 3]], [x, [3, 2, 1, 0]], [x, [1, 0, 3, 2]], [ones, [1, 3, 2, 0]], [ones, [2, 0, 3, 1]]] as const) {
      const { stock, lab } = both(() => values(tf.transpose(t, [...perm])));
      close(lab, stock);
    }
  });
});

describe('row-sparse lazy Adam', () => {
  it('equals dense Adam (tf.train.adam) when every row is touched at every step', () => {
    const V = 5, D = 3, r = rng(9);
    const init = Float32Array.from({ length: V * D }, () => r() - 0.5);
    const table = new EmbeddingTable(V, D);
    table.weights.set(init);
    const dense = tf.variable(tf.tensor2d(init, [V, D]));
    const opt = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
    const ids = Int32Array.from([1, 2, 3, 4, 2]); // every non-padding row, one twice
    for (let step = 0; step < 20; step++) {
      const g = Float32Array.from({ length: ids.length * D }, () => r() - 0.5);
      table.applyAdam(ids, g, { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
      const gradDense = tf.unsortedSegmentSum(tf.tensor2d(g, [ids.length, D]), tf.tensor1d(ids, 'int32'), V);
      opt.applyGradients([{ name: dense.name, tensor: gradDense }]);
    }
    const d = dense.dataSync();
    for (let i = D; i < V * D; i++) expect(table.weights[i]).toBeCloseTo(d[i], 5); // row 0 (padding) is not trained by the table
    expect(Array.from(table.weights.subarray(0, D))).toEqual(Array.from(init.subarray(0, D)));
  });

  it('draws every row but padding, gathers rows in order, and updates past 1,024 distinct rows in a batch', () => {
    const t = new EmbeddingTable(3, 2, (i) => i);
    expect(Array.from(t.weights)).toEqual([0, 0, 2, 3, 4, 5]); // row 0 (padding) stays zero
    expect(Array.from(t.gather(Int32Array.from([2, 0, 1, 2])))).toEqual([4, 5, 0, 0, 2, 3, 4, 5]);
    const big = new EmbeddingTable(3000, 2), ids = Int32Array.from({ length: 2999 }, (_, i) => i + 1);
    const g = Float32Array.from({ length: 2 * ids.length }, (_, i) => (i % 2 ? -1 : 1));
    expect(big.applyAdam(ids, g, { lr: 0.5, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 })).toBe(2999);
    // a first step moves each row by lr against its gradient's sign, the last row as the first
    for (const r of [1, 1024, 2999]) expect([big.weights[2 * r], big.weights[2 * r + 1]].map((x) => +x.toFixed(5))).toEqual([-0.5, 0.5]);
    expect(big.applyAdam(Int32Array.from([0, 0]), new Float32Array(4))).toBe(0); // padding only: nothing to update
  });

  it('mean pooling: a text\'s gradient row reaches each of its tokens scaled by 1/tokens, a repeated token twice', () => {
    const t = new EmbeddingTable(4, 1);
    t.m.fill(0);
    t.v.fill(1);
    t.steps.fill(1_000_000); // bias correction 1, v saturated: the step is linear in the gradient
    // two texts of length 3: [1, 2, 2] and [3, 0, 0]; their pooled gradients 0.3 and -0.6
    t.applyAdam(Int32Array.from([1, 2, 2, 3, 0, 0]), Float32Array.from([0.3, -0.6]), { lr: 1, beta1: 0.9, beta2: 0.999, epsilon: 0 }, { length: 3, scale: Float32Array.from([1 / 3, 1]) });
    const step = (g: number) => (-0.1 * g) / Math.sqrt(0.999 + 0.001 * g * g);
    expect(t.weights[1]).toBeCloseTo(step(0.1), 7);
    expect(t.weights[2]).toBeCloseTo(step(0.2), 7);
    expect(t.weights[3]).toBeCloseTo(step(-0.6), 7);
    expect(t.weights[0]).toBe(0);
  });

  it('repeated ids are one update of their summed gradient, the first row repeated too; pooling equals each token getting its text\'s row scaled (dim 3)', () => {
    const D = 3, rnd = rng(5), adam = { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const table = () => new EmbeddingTable(6, D, (i) => Math.sin(i));
    const g = (n: number) => Float32Array.from({ length: n * D }, () => rnd() - 0.5);
    const same = (a: EmbeddingTable, b: EmbeddingTable) => Array.from(a.weights).forEach((w, i) => expect(w).toBeCloseTo(b.weights[i], 6));
    // ids [3, 3, 4, 3]: row 3 (the first distinct row) three times
    const grad = g(4), once = table(), summed = table();
    once.applyAdam(Int32Array.from([3, 3, 4, 3]), grad, adam);
    const sum = (k: number) => grad[k] + grad[D + k] + grad[3 * D + k];
    summed.applyAdam(Int32Array.from([3, 4]), Float32Array.from([sum(0), sum(1), sum(2), grad[2 * D], grad[2 * D + 1], grad[2 * D + 2]]), adam);
    same(once, summed);
    expect(Array.from(once.steps)).toEqual([0, 0, 0, 1, 1, 0]); // one step for row 3, not three
    // texts [1, 2, 5] and [2, 0, 0], pooled rows p0 and p1 with scales 1/3 and 1
    const pooled = g(2), scale = Float32Array.from([1 / 3, 1]), ids = Int32Array.from([1, 2, 5, 2, 0, 0]);
    const viaPool = table(), expanded = table();
    viaPool.applyAdam(ids, pooled, adam, { length: 3, scale });
    expanded.applyAdam(ids, Float32Array.from({ length: ids.length * D }, (_, j) => { const i = Math.floor(j / D), t = Math.floor(i / 3); return scale[t] * pooled[t * D + (j % D)]; }), adam);
    same(viaPool, expanded);
  });

  it('a row not in the batch does not move, and a row keeps its own bias correction', () => {
    const t = new EmbeddingTable(4, 2);
    t.weights.fill(1);
    t.applyAdam(Int32Array.from([1]), Float32Array.from([1, -1]));
    t.applyAdam(Int32Array.from([2]), Float32Array.from([1, -1]));
    expect(Array.from(t.weights.subarray(6, 8))).toEqual([1, 1]); // row 3 untouched
    // first update of any row is lr · sign(g) (bias-corrected), whenever it happens
    expect(t.weights[2]).toBeCloseTo(1 - 0.001, 6);
    expect(t.weights[4]).toBeCloseTo(1 - 0.001, 6);
    expect(Array.from(t.steps)).toEqual([0, 1, 1, 0]);
  });
});

describe('the multi-task model', () => {
  it('learns a separable toy task and is deterministic for a seed', () => {
    const run = (seed: number) => {
      const m = new MultiTaskModel({ kind: 'bag', vocab: 10, dim: 8, hidden: 8, heads: [{ name: 'toy', classes: 2 }], lr: 0.05, seed });
      // label 1 when word 2 appears, else 0; texts of length 4 padded with 0
      const ids = Int32Array.from([2, 3, 4, 0, 5, 6, 0, 0, 3, 2, 0, 0, 4, 5, 6, 7]), labels = Int32Array.from([1, 0, 1, 0]);
      const b = { ids, length: 4, labels, size: 4 };
      const losses = Array.from({ length: 50 }, () => m.trainStep('toy', b));
      const tensors = tf.memory().numTensors;
      losses.push(...Array.from({ length: 10 }, () => m.trainStep('toy', b)));
      expect(tf.memory().numTensors).toBe(tensors); // a step leaves no tensor behind: memory stays flat over an epoch
      const p = m.predict('toy', b);
      m.dispose();
      return { first: losses[0], last: losses.at(-1)!, correct: [0, 1, 2, 3].every((i) => (p[2 * i + 1] > 0.5 ? 1 : 0) === labels[i]) };
    };
    const a = run(1), again = run(1);
    expect(a.last).toBeLessThan(a.first / 4);
    expect(a.correct).toBe(true);
    expect(again).toEqual(a);
  });
});

describe('the bag step\'s row loops: WebAssembly SIMD agrees with JS', () => {
  it('row loops (axpy, dot, a lazy-Adam row) and whole loops (pool, matvec, its transpose, ger), tails (n not a multiple of 4) included', () => {
    const wasm = new Arena(1 << 20), js = new Arena(2 ** 31); // past the wasm limit: plain arrays, the JS loops
    expect(wasm.memory).not.toBeNull();
    expect(js.memory).toBeNull();
    const r = rng(11);
    for (const n of [64, 7, 1]) {
      const make = (a: Arena) => {
        const f = (scale = 1) => {
          const x = a.alloc(Float32Array, 3 * n); // in the arena: the wasm loops reach only its memory
          for (let i = 0; i < x.length; i++) x[i] = Math.abs(r() * 2 - 1) * scale;
          return x;
        };
        return { y: f(), x: f(), w: f(), m: f(0.1), v: f(0.01), g: f() };
      };
      const A = make(wasm), B = make(js);
      for (const k of Object.keys(B) as (keyof typeof B)[]) B[k].set(A[k]); // the same numbers in both
      wasm.ops.axpy(A.y, n, 0.7, A.x, 2 * n, n);
      js.ops.axpy(B.y, n, 0.7, B.x, 2 * n, n);
      expect(wasm.ops.dot(A.x, n, A.g, 0, n)).toBeCloseTo(js.ops.dot(B.x, n, B.g, 0, n), 5);
      wasm.ops.adamRow(A.w, A.m, A.v, n, A.g, 2 * n, 0.5, 0.01, 1.2, n);
      js.ops.adamRow(B.w, B.m, B.v, n, B.g, 2 * n, 0.5, 0.01, 1.2, n);
      // the whole-loop ones: a text's pooled rows, a layer forward, back (transposed), its weight gradient
      const ids = (a: Arena) => Object.assign(a.alloc(Int32Array, 4), [2, 0, 1, 2]), counts = (a: Arena) => Object.assign(a.alloc(Int32Array, 4), [1, 3, 2, 1]);
      wasm.ops.pool(A.y, 0, A.w, ids(wasm), counts(wasm), 1, 3, n);
      js.ops.pool(B.y, 0, B.w, ids(js), counts(js), 1, 3, n);
      const d = Math.min(3, n), h = n; // W: d × h within x's 3n values
      A.x[1] = B.x[1] = 0; // a zero input row is skipped
      wasm.ops.matvec(A.g, 0, A.x, 0, A.x, 0, d, h);
      js.ops.matvec(B.g, 0, B.x, 0, B.x, 0, d, h);
      wasm.ops.matvecT(A.m, 0, A.y, 0, A.x, 0, d, h);
      js.ops.matvecT(B.m, 0, B.y, 0, B.x, 0, d, h);
      wasm.ops.ger(A.v, 0, A.y, 0, A.g, 0, d, h);
      js.ops.ger(B.v, 0, B.y, 0, B.g, 0, d, h);
      for (const k of ['y', 'w', 'm', 'v', 'g'] as const) Array.from(A[k]).forEach((x, i) => expect(Math.abs(x - B[k][i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(x)))); // float32 rounding apart
      expect(A.w[n - 1 + 2 * n]).toBe(B.w[n - 1 + 2 * n]); // only the row asked for moved
    }
  });

  it('the bytes the lab loads are bag.wat assembled (npm run build:wasm after editing it)', async () => {
    // @ts-expect-error: a plain .mjs script, no types
    const { assemble } = (await import('../../scripts/build-wasm.mjs')) as { assemble(wat: string): Promise<Buffer> };
    const wat = readFileSync(new URL('../../src-main/training/wasm/bag.wat', import.meta.url), 'utf8');
    expect((await assemble(wat)).toString('base64')).toBe(BAG_WASM);
  });
});

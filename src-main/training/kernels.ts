import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The lab's CPU kernels. Stock TF.js computes UnsortedSegmentSum (the gradient of
 * `gather`, so of every embedding) as one masked full-size sum per segment:
 * O(segments · N · D), ~40 s for one 64-example step of a 2,000 × 64 embedding.
 * This one adds each row into its segment once: O(N · D).
 */
interface CpuBackend { data: { get(id: object): { values: ArrayLike<number> } }; makeTensorInfo(shape: number[], dtype: string, values: Float32Array | Int32Array): TensorInfo }

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as { numSegments: number };
  const cpu = backend as unknown as CpuBackend;
  const xs = cpu.data.get(x.dataId).values, ids = cpu.data.get(segmentIds.dataId).values;
  const n = ids.length, inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1); // from the shape: no ids still means [numSegments, …inner] zeros
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < n; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
    const src = i * inner, dst = s * inner;
    for (let k = 0; k < inner; k++) out[dst + k] += xs[src + k];
  }
  return cpu.makeTensorInfo([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype, out);
};

/**
 * Walks an output of shape `shape` in order, calling `row(outOffset, inOffsets, n)` for each
 * run of the last dimension; `strides[k]` are each input's strides aligned to the output
 * (0 along broadcast dimensions). Stock TF.js computes index arrays per element for
 * broadcasting and transposes (profiled: 85% of a bag-model step); this is O(1) per element.
 */
function walk(shape: number[], strides: number[][], row: (o: number, at: number[], n: number) => void): void {
  const R = shape.length, size = shape.reduce((a, b) => a * b, 1);
  const n = R ? shape[R - 1] : 1, idx = new Array(Math.max(0, R - 1)).fill(0), at = strides.map(() => 0);
  for (let o = 0; o < size; o += n) {
    row(o, at, n);
    for (let d = R - 2; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < at.length; k++) at[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < at.length; k++) at[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Strides of an input of shape `s` read as the (broadcast) output shape `out`. */
function alignedStrides(s: readonly number[], out: readonly number[]): number[] {
  const st = new Array(out.length).fill(0);
  let acc = 1;
  for (let i = s.length - 1, j = out.length - 1; i >= 0; i--, j--) {
    if (s[i] !== 1) st[j] = acc;
    acc *= s[i];
  }
  return st;
}

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const R = Math.max(a.length, b.length);
  return Array.from({ length: R }, (_, i) => {
    const x = a[a.length - R + i] ?? 1, y = b[b.length - R + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`Operands could not be broadcast together with shapes ${a} and ${b}`);
    return x === 1 ? y : x;
  });
}

const binary = (name: string, op: (a: number, b: number) => number, float = false): KernelConfig => ({
  kernelName: name,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const numeric = (d: string) => d === 'float32' || d === 'int32';
    if (a.dtype !== b.dtype || !numeric(a.dtype)) return stockKernel(name)(args);
    const cpu = args.backend as unknown as CpuBackend;
    const av = cpu.data.get(a.dataId).values, bv = cpu.data.get(b.dataId).values;
    const shape = broadcastShape(a.shape, b.shape), size = shape.reduce((x, y) => x * y, 1);
    const dtype = float ? 'float32' : a.dtype;
    const out = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
    const sa = alignedStrides(a.shape, shape), sb = alignedStrides(b.shape, shape);
    const ia = sa.at(-1) ?? 0, ib = sb.at(-1) ?? 0;
    walk(shape, [sa, sb], (o, at, n) => {
      for (let k = 0, pa = at[0], pb = at[1]; k < n; k++, pa += ia, pb += ib) out[o + k] = op(av[pa], bv[pb]);
    });
    return cpu.makeTensorInfo(shape, dtype, out);
  },
});

const transpose: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  const { perm } = args.attrs as unknown as { perm: number[] };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return stockKernel('Transpose')(args);
  const cpu = args.backend as unknown as CpuBackend;
  const xv = cpu.data.get(x.dataId).values;
  const inStrides = alignedStrides(x.shape, x.shape); // row-major (a size-1 axis gets 0: its only index is 0)
  const shape = perm.map((p) => x.shape[p]), st = perm.map((p) => inStrides[p]);
  const out = x.dtype === 'int32' ? new Int32Array(xv.length) : new Float32Array(xv.length);
  const step = st.at(-1) ?? 0;
  walk(shape, [st], (o, at, n) => {
    for (let k = 0, p = at[0]; k < n; k++, p += step) out[o + k] = xv[p];
  });
  return cpu.makeTensorInfo(shape, x.dtype, out);
};

/** Sum over any axes in one pass over the input (stock transposes the reduced axes innermost first). */
const sum: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[] | null; keepDims: boolean };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return stockKernel('Sum')(args);
  const cpu = args.backend as unknown as CpuBackend;
  const xv = cpu.data.get(x.dataId).values, R = x.shape.length;
  const axes = new Set(axis === null || axis === undefined ? x.shape.keys() : (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + R : a)));
  const kept = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
  const st = alignedStrides(kept, x.shape); // reduced axes get stride 0: every input lands on its output cell
  const out = x.dtype === 'int32' ? new Int32Array(kept.reduce((a, b) => a * b, 1)) : new Float32Array(kept.reduce((a, b) => a * b, 1));
  const step = st.at(-1) ?? 0;
  walk(x.shape, [st], (o, at, n) => {
    for (let k = 0, p = at[0]; k < n; k++, p += step) out[p] += xv[o + k];
  });
  return cpu.makeTensorInfo(keepDims ? kept : x.shape.filter((_, i) => !axes.has(i)), x.dtype, out);
};

/** out[o…] = A (m × k) · B (k × n), four rows of B per pass over the output row. */
function product(A: Float32Array, B: Float32Array, out: Float32Array, o: number, m: number, k: number, n: number): void {
  const k4 = k - (k % 4);
  for (let i = 0; i < m; i++) {
    const row = o + i * n, ai = i * k;
    let p = 0;
    for (; p < k4; p += 4) {
      const x0 = A[ai + p], x1 = A[ai + p + 1], x2 = A[ai + p + 2], x3 = A[ai + p + 3];
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue; // relu outputs and padding are often exactly zero
      const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) out[row + j] += x0 * B[b0 + j] + x1 * B[b1 + j] + x2 * B[b2 + j] + x3 * B[b3 + j];
    }
    for (; p < k; p++) {
      const x = A[ai + p], bp = p * n;
      if (x !== 0) for (let j = 0; j < n; j++) out[row + j] += x * B[bp + j];
    }
  }
}

/**
 * Batched matrix product, i-k-j order over contiguous rows (a transposed operand is
 * copied contiguous first). Stock TF.js's blocked loop ran ~130 MFLOP/s on a cnn step's
 * [12,800 × 192] · [192 × 64]; streaming whole rows lets V8 keep the inner loop tight.
 */
const batchMatMul: KernelFunc = (args) => {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return stockKernel('BatchMatMul')(args);
  const cpu = args.backend as unknown as CpuBackend;
  const av = cpu.data.get(a.dataId).values, bv = cpu.data.get(b.dataId).values;
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const m = transposeA ? ac : ar, k = transposeA ? ar : ac, n = transposeB ? br : bc;
  if ((transposeB ? bc : br) !== k) throw new Error(`Error in matMul: inner shapes (${k}) and (${transposeB ? bc : br}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const sa = alignedStrides(a.shape.slice(0, -2), batch), sb = alignedStrides(b.shape.slice(0, -2), batch);
  const out = new Float32Array(batch.reduce((x, y) => x * y, 1) * m * n);
  const A = new Float32Array(m * k), B = new Float32Array(k * n);
  const load = (src: ArrayLike<number>, at: number, rows: number, cols: number, t: boolean, dst: Float32Array) => {
    // dst is the (rows × cols) operand; the source holds it transposed when t
    if (!t) for (let i = 0; i < rows * cols; i++) dst[i] = src[at + i];
    else for (let j = 0; j < cols; j++) for (let i = 0, s = at + j * rows; i < rows; i++) dst[i * cols + j] = src[s + i];
  };
  walk([...batch, 1], [[...sa, 0], [...sb, 0]], (mat, at) => {
    load(av, at[0] * m * k, m, k, transposeA, A);
    load(bv, at[1] * k * n, k, n, transposeB, B);
    product(A, B, out, mat * m * n, m, k, n);
  });
  return cpu.makeTensorInfo([...batch, m, n], 'float32', out);
};

export const LAB_KERNELS: KernelConfig[] = [
  { kernelName: 'Sum', backendName: 'cpu', kernelFunc: sum },
  { kernelName: 'UnsortedSegmentSum', backendName: 'cpu', kernelFunc: unsortedSegmentSum },
  binary('Multiply', (a, b) => a * b),
  binary('Add', (a, b) => a + b),
  binary('Sub', (a, b) => a - b),
  binary('RealDiv', (a, b) => a / b, true),
  { kernelName: 'Transpose', backendName: 'cpu', kernelFunc: transpose },
  { kernelName: 'BatchMatMul', backendName: 'cpu', kernelFunc: batchMatMul },
];

const stockKernels = new Map<string, KernelFunc>();
const stockKernel = (name: string): KernelFunc => stockKernels.get(name)!;

let stock: KernelConfig[] | null = null;

/** Replaces the stock CPU kernels with the lab's (idempotent). */
export function useLabKernels(): void {
  if (stock) return;
  stock = LAB_KERNELS.map((k) => tf.getKernel(k.kernelName, k.backendName)!).filter(Boolean);
  for (const k of stock) stockKernels.set(k.kernelName, k.kernelFunc);
  for (const k of LAB_KERNELS) {
    tf.unregisterKernel(k.kernelName, k.backendName);
    tf.registerKernel(k);
  }
}

/** Puts the stock kernels back: for the tests and the benchmark's baseline only. */
export function useStockKernels(): void {
  if (!stock) return;
  for (const k of stock) {
    tf.unregisterKernel(k.kernelName, k.backendName);
    tf.registerKernel(k);
  }
  stock = null;
}

/**
 * Training-step benchmark (issue 5): samples/s of the bag model (vocabulary 20,000, D 64,
 * 200 tokens per text, batch 64, ids drawn uniformly — every token a real word, the worst
 * case for the embedding update). Variants, all in this run:
 *   stock:  TF.js CPU as shipped, the embedding a tf.Variable read with tf.gather, dense Adam
 *           (a few steps, at vocabulary 2,000: at 20,000 one step takes minutes)
 *   dense:  the same graph on the lab's kernels
 *   lab:    the lab's model: JS embedding table, pooled in JS, row-sparse lazy Adam
 * Then the other encoders (cnn against the tf.conv1d graph, one step), and a real 5-epoch
 * run of the built-in spam task in a trainer process: peak RSS against the RSS after loading.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../src-main/lab';
import { initBackend } from '../../src-main/training/backend';
import { useLabKernels, useStockKernels } from '../../src-main/training/kernels';
import { BagGraphModel } from '../../src-main/training/bagGraph';
import { BagModel } from '../../src-main/training/bagModel';
import { MultiTaskModel } from '../../src-main/training/model';
import { rng } from '../../src-main/datasets/split';
import { benchVsFastText } from './fasttext';
import { printTable, type Row } from './report';

const B = 64, L = 200, D = 64, H = 64;

function batch(vocab: number, seed: number) {
  const r = rng(seed);
  return { ids: Int32Array.from({ length: B * L }, () => 1 + Math.floor(r() * (vocab - 1))), labels: Int32Array.from({ length: B }, () => (r() < 0.5 ? 1 : 0)) };
}

/** The textbook graph: gather from a variable inside the tape, masked mean, MLP, tf.train.adam on everything. */
function denseStep(vocab: number) {
  const r = rng(1);
  const init = (shape: number[]) => tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() - 0.5) * 0.1), shape));
  const E = init([vocab, D]), W1 = init([D, H]), b1 = init([H]), W2 = init([H, 2]), b2 = init([2]);
  const opt = tf.train.adam(0.003);
  const { ids, labels } = batch(vocab, 2);
  const idsT = tf.tensor1d(ids, 'int32'), mask = tf.tensor2d(Float32Array.from(ids, (i) => (i ? 1 : 0)), [B, L]), y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
  return () =>
    tf.tidy(() => {
      opt.minimize(() => {
        const X = tf.reshape(tf.gather(E, idsT), [B, L, D]);
        const pooled = tf.div(tf.sum(tf.mul(X, tf.expandDims(mask, 2)), 1), tf.maximum(tf.sum(mask, 1, true), 1));
        const h = tf.relu(tf.add(tf.matMul(pooled as tf.Tensor2D, W1), b1));
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, W2), b2)) as tf.Scalar;
      });
    });
}

/** Samples per second over `steps` steps after `warmUp` untimed ones: the median of `rounds` rounds (the machine is shared). */
function samplesPerSecond(step: () => unknown, steps: number, warmUp = 1, rounds = 1): number {
  for (let k = 0; k < warmUp; k++) step();
  const round = () => {
    const t0 = performance.now();
    for (let k = 0; k < steps; k++) step();
    return (B * steps * 1000) / (performance.now() - t0);
  };
  return Array.from({ length: rounds }, round).sort((a, b) => a - b)[rounds >> 1];
}

export async function benchTrain(): Promise<void> {
  // `--backend gpu|node|cpu` (see index.ts): this process and the lab's trainer processes take that backend
  const backend = process.env.ATTENTION_LAB_BACKEND ?? 'cpu';
  process.env.ATTENTION_LAB_BACKEND = backend;
  try {
    await initBackend(backend);
  } catch (e) {
    console.log(`\nbench train --backend ${backend}: ${(e as Error).message}`);
    console.log(backend === 'cpu' ? '' : `(on a machine with ${backend === 'gpu' ? 'CUDA and cuDNN' : 'a native TensorFlow build'}: npm install ${backend === 'gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node'}, then run this again)`);
    process.exitCode = 1;
    return;
  }
  await benchVsFastText();
  const bag = { kind: 'bag' as const, vocab: 20_000, dim: D, hidden: H, heads: [{ name: 't', classes: 2 }], lr: 0.003, seed: 1 };
  const b = batch(20_000, 2);
  const stepOf = (m: { trainStep: MultiTaskModel['trainStep'] }) => () => m.trainStep('t', { ids: b.ids, length: L, labels: b.labels, size: B });
  if (backend !== 'cpu') {
    // the path a run takes on this backend: the bag step as one graph on the device
    const graph = new BagGraphModel(bag);
    const rate = samplesPerSecond(stepOf(graph), 20, 3, 5);
    graph.dispose();
    printTable(`Training step, bag model (V 20,000, D 64, 200 tokens, batch 64) on ${backend}`, [{ case: 'the bag step as one TF graph on the device (bagGraph.ts)', value: rate, unit: 'samples/s', target: 'against the JS path on this machine\'s CPU' }]);
    return;
  }
  useStockKernels();
  const stock = samplesPerSecond(denseStep(2_000), 1, 0); // one step is minutes: no warm-up
  useLabKernels();
  const dense = samplesPerSecond(denseStep(20_000), 5);
  const hybrid = samplesPerSecond(stepOf(new MultiTaskModel(bag)), 10, 3, 5);
  const graph = new BagGraphModel(bag);
  const graphRate = samplesPerSecond(stepOf(graph), 3, 1, 3);
  graph.dispose();
  const js = new BagModel(bag), two = new BagModel(bag, 2);
  const lab = samplesPerSecond(stepOf(js), 20, 3, 5), lab2 = samplesPerSecond(stepOf(two), 20, 3, 5);
  two.dispose();
  const rows: Row[] = [
    { case: 'stock TF.js CPU, dense Adam (vocabulary 2,000)', value: stock, unit: 'samples/s' },
    { case: 'lab kernels, dense Adam', value: dense, unit: 'samples/s', baseline: stock },
    { case: 'JS pooling + lazy Adam, TF.js dense layers', value: hybrid, unit: 'samples/s', baseline: dense },
    { case: 'the GPU path run on the CPU backend (one TF graph)', value: graphRate, unit: 'samples/s', baseline: hybrid, target: 'for native / GPU backends' },
    { case: 'lab model: the whole step in JS (bag.ts)', value: lab, unit: 'samples/s', baseline: hybrid, target: '≥ 8,000 samples/s', pass: lab >= 8000 },
    { case: 'the same on 2 threads (same numbers)', value: lab2, unit: 'samples/s', baseline: lab },
  ];
  printTable('Training step, bag model (V 20,000, D 64, 200 tokens, batch 64); one core unless said', rows);

  // cnn: the textbook tf.conv1d graph (the CPU backend's Conv2DBackpropFilter) against the lab's im2col in JS
  const cnn = new MultiTaskModel({ kind: 'cnn', vocab: 20_000, dim: D, hidden: H, heads: [{ name: 't', classes: 2 }], lr: 0.003, seed: 1 });
  const conv = conv1dStep(cnn, b.ids, b.labels);
  const cnnStock = samplesPerSecond(conv, 1, 0);
  const cnnLab = samplesPerSecond(() => cnn.trainStep('t', { ids: b.ids, length: L, labels: b.labels, size: B }), 5);
  const tr = new MultiTaskModel({ kind: 'transformer', vocab: 20_000, dim: D, hidden: H, heads: [{ name: 't', classes: 2 }], lr: 0.003, seed: 1, maxLength: L });
  const trLab = samplesPerSecond(() => tr.trainStep('t', { ids: b.ids, length: L, labels: b.labels, size: B }), 2);
  printTable('Other encoders, same batch (200 tokens, batch 64)', [
    { case: 'cnn (width 3, 64 filters): tf.conv1d graph', value: cnnStock, unit: 'samples/s' },
    { case: 'cnn: im2col built in JS, lab BatchMatMul', value: cnnLab, unit: 'samples/s', baseline: cnnStock },
    { case: 'transformer (1 layer, 2 heads): lab kernels', value: trLab, unit: 'samples/s', baseline: hybrid, target: 'for native / GPU backends' },
  ]);

  // a real run: the trainer process's memory over 5 epochs of the spam task
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-bench-train-'));
  const labDoor = new Lab(join(dir, 'lab.db'));
  try {
    const set = await labDoor.call('taskSets/create', { name: 'spam', budget: 1e9, tasks: [{ name: 'spam', dataset: 'spam' }] });
    const t0 = performance.now();
    const [run] = await labDoor.call('runs/start', { taskSetId: set.id, epochs: 5, batchSize: 64 });
    const done = await labDoor.runs.wait(run.id);
    const seconds = (performance.now() - t0) / 1000;
    const mem = done.environment.memoryMiB as { afterLoading: number; peak: number };
    const points = await labDoor.call('runs/metrics', { id: run.id });
    const acc = points.find((p) => p.epoch === 5 && p.task === 'spam' && p.metric === 'test.accuracy')!.value;
    printTable(`5-epoch run of the built-in spam task in a trainer process (${done.status}, ${seconds.toFixed(1)} s, test accuracy ${(acc * 100).toFixed(1)}%)`, [
      { case: 'trainer peak RSS', value: mem.peak, unit: 'MiB', baseline: mem.afterLoading, target: '< 2,048 MiB', pass: mem.peak < 2048 },
      { case: 'test accuracy after 5 epochs', value: acc * 100, unit: '%', target: '≥ 97%', pass: acc >= 0.97 },
    ]);
  } finally {
    labDoor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The cnn as TF.js spells it: gather from a variable table, tf.conv1d, masked max, head; dense Adam. */
function conv1dStep(m: MultiTaskModel, ids: Int32Array, labels: Int32Array) {
  const E = tf.variable(tf.tensor2d(m.table.weights, [m.config.vocab, D]));
  const W = tf.variable(tf.reshape(m.vars['conv.w'], [3, D, H]));
  const opt = tf.train.adam(0.003);
  const idsT = tf.tensor1d(ids, 'int32'), mask = tf.tensor3d(Float32Array.from(ids, (i) => (i ? 1 : 0)), [B, L, 1]), y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
  return () =>
    tf.tidy(() => {
      opt.minimize(() => {
        const X = tf.reshape(tf.gather(E, idsT), [B, L, D]) as tf.Tensor3D;
        const h = tf.max(tf.mul(tf.relu(tf.add(tf.conv1d(X, W as tf.Tensor3D, 1, 'same'), m.vars['conv.b'])), mask), 1) as tf.Tensor2D;
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, m.vars['head.t.w'] as tf.Tensor2D), m.vars['head.t.b'])) as tf.Scalar;
      }, false, [E, W]);
    });
}

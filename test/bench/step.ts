/**
 * The bag step alone (issue 19), quick enough to repeat on a shared machine: the same
 * batch as `bench train` (V 20,000, D 64, 200 uniform ids per text, batch 64), the lab's
 * step against the TF.js-ops step it replaced, both as samples per CPU-second of this
 * process (what one core does, whatever else the machine runs) and per wall second;
 * then 2 threads (wall: they share the work, so CPU time would hide the gain).
 */
import { initBackend } from '../../src-main/training/backend';
import { BagModel } from '../../src-main/training/bagModel';
import { MultiTaskModel } from '../../src-main/training/model';
import { rng } from '../../src-main/datasets/split';
import { printTable } from './report';

const B = 64, L = 200, V = 20_000;

/** Median over `rounds` rounds of `steps` steps, after 3 warm-up steps: samples per CPU-second and per wall second. */
function rates(step: () => unknown, steps: number, rounds = 5): { cpu: number; wall: number } {
  for (let k = 0; k < 3; k++) step();
  const cpu: number[] = [], wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    for (let k = 0; k < steps; k++) step();
    const c = process.cpuUsage(c0);
    cpu.push((B * steps * 1e6) / (c.user + c.system));
    wall.push((B * steps * 1000) / (performance.now() - t0));
  }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[rounds >> 1];
  return { cpu: med(cpu), wall: med(wall) };
}

export async function benchStep(): Promise<void> {
  await initBackend('cpu');
  const r = rng(2);
  const ids = Int32Array.from({ length: B * L }, () => 1 + Math.floor(r() * (V - 1))), labels = Int32Array.from({ length: B }, () => (r() < 0.5 ? 1 : 0));
  const config = { kind: 'bag' as const, vocab: V, dim: 64, hidden: 64, heads: [{ name: 't', classes: 2 }], lr: 0.003, seed: 1 };
  const stepOf = (m: { trainStep: MultiTaskModel['trainStep'] }) => () => m.trainStep('t', { ids, labels, length: L, size: B });
  const tf = rates(stepOf(new MultiTaskModel(config)), 10);
  const one = rates(stepOf(new BagModel(config)), 30);
  const twoModel = new BagModel(config, 2);
  const two = rates(stepOf(twoModel), 30);
  twoModel.dispose();
  const load = (await import('node:os')).loadavg()[0];
  printTable(`Bag step (V 20,000, D 64, 200 tokens, batch 64); 1-minute load average ${load.toFixed(1)}`, [
    { case: 'TF.js ops around the JS table (before), per CPU-second', value: tf.cpu, unit: 'samples/s' },
    { case: 'the lab\'s step (bag.ts, WebAssembly SIMD), per CPU-second', value: one.cpu, unit: 'samples/s', baseline: tf.cpu, target: '≥ 8,000 samples/s on one core', pass: one.cpu >= 8000 },
    { case: 'the lab\'s step, per wall second', value: one.wall, unit: 'samples/s', baseline: tf.wall },
    { case: 'the same on 2 threads, per wall second (same numbers)', value: two.wall, unit: 'samples/s', baseline: one.wall },
  ]);
}

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../src-main/api/schemas';
import { ensureBuiltin, importContent } from '../../src-main/datasets';
import { rng } from '../../src-main/datasets/split';
import * as store from '../../src-main/store';
import { initBackend } from '../../src-main/training/backend';
import { readCheckpoint } from '../../src-main/training/checkpoint';
import { loadTrainingData, type Split, type TaskData, type TrainingData } from '../../src-main/training/data';
import { loadTrainingDataCached } from '../../src-main/training/dataCache';
import { BagGraphModel } from '../../src-main/training/bagGraph';
import { BagModel } from '../../src-main/training/bagModel';
import { MultiTaskModel, type Model, type ModelConfig, type ModelKind, type ModelState } from '../../src-main/training/model';
import { evaluateSplit, majority, planEpoch, train, type EpochReport, type TrainConfig, type TrainProgress } from '../../src-main/training/train';
import { createModel } from '../../src-main/training/paths';
import { toyCsv } from './helpers/toy';

const tmp = () => mkdtempSync(join(tmpdir(), 'attention-lab-train-'));
const CONFIG: TrainConfig = { model: 'bag', dim: 16, hidden: 16, lr: 0.01, batchSize: 16, epochs: 3, seed: 7 };
/** Metric values without the wall clock, which no two runs share. */
const values = (ps: MetricPoint[]) => ps.filter((p) => p.metric !== 'samples_per_s').map((p) => `${p.epoch}/${p.task}/${p.metric}=${p.value}@${p.attention}`);

async function collect(data: TrainingData, c: TrainConfig, start: Parameters<typeof train>[3], pi = [1, 1], weight = [1, 1]) {
  const points: MetricPoint[] = [];
  const result = await train(data, data.tasks.map((_, i) => ({ pi: pi[i], weight: weight[i] })), c, start, { epoch: (r) => points.push(...r.points) });
  return { points, result };
}

let db: store.Db;
let data: TrainingData;
beforeAll(async () => {
  await initBackend('cpu');
  db = store.openDb(':memory:');
  await importContent(db, 'fruit.csv', toyCsv(400, 1));
  await importContent(db, 'stone.csv', toyCsv(300, 2, [['granite', 'marble'], ['oak', 'pine']]));
  data = loadTrainingData(db, [{ name: 'fruit', datasetId: store.findDatasetByName(db, 'fruit')!.id }, { name: 'stone', datasetId: store.findDatasetByName(db, 'stone')!.id }]);
});

describe('training data', () => {
  it('builds one vocabulary from the training splits only, char n-grams kept apart from words', async () => {
    const local = store.openDb(':memory:');
    await importContent(local, 'words.csv', 'text,label,split\nalpha beta,x,train\ngamma,y,train\nzeta secret,x,test\nbeta,y,validation\n', { tokenizer: { kind: 'word' }, splitColumn: 'split' });
    const names = ensureBuiltin(local, 'names-gender');
    const d = loadTrainingData(local, [{ name: 'w', datasetId: store.findDatasetByName(local, 'words')!.id }, { name: 'n', datasetId: names.id }]);
    expect(d.vocab).toContain('alpha');
    expect(d.vocab).not.toContain('secret'); // test text never enters the vocabulary
    expect(d.vocab).toContain('c:^a'); // a name's first letter, as a char n-gram
    expect(d.tasks[0].test.ids[1]).toBe(1); // 'secret' reads as out-of-vocabulary
    expect(() => loadTrainingData(local, [{ name: 'synthetic', datasetId: null }])).toThrow(/'synthetic' has no data set/);
  });

  it('keeps the encoded data beside the database: read back when nothing changed, rebuilt when unreadable, apart per vocabulary size', () => {
    const dir = tmp(), tasks = data.tasks.map((t) => ({ name: t.name, datasetId: t.datasetId }));
    const first = loadTrainingDataCached(db, tasks, 20_000, dir);
    expect(first).toEqual(data);
    const [file] = readdirSync(dir);
    // what the file holds is what comes back (a marked copy proves it is read, not rebuilt)
    const held = deserialize(readFileSync(join(dir, file))) as { key: string; data: TrainingData };
    writeFileSync(join(dir, file), serialize({ ...held, data: { ...held.data, vocab: [...held.data.vocab, 'marked'] } }));
    expect(loadTrainingDataCached(db, tasks, 20_000, dir).vocab.at(-1)).toBe('marked');
    writeFileSync(join(dir, file), 'not a cache file');
    expect(loadTrainingDataCached(db, tasks, 20_000, dir)).toEqual(data);
    expect(loadTrainingDataCached(db, tasks, 10, dir).vocab).toHaveLength(10);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('an epoch executes round(π n) distinct examples per task, fresh each epoch, the same for the same seed', () => {
    expect(planEpoch([10], [1.5], 4, rng(1)).flatMap((x) => [...x.idx]).sort((x, y) => x - y)).toEqual([...Array(10).keys()]); // π above 1 reads each example once
    const plan = (epoch: number) => planEpoch([100, 50, 7], [0.5, 1, 0], 16, rng(epoch));
    const a = plan(1), b = plan(1), c = plan(2);
    expect(a).toEqual(b);
    const per = (p: typeof a, t: number) => p.filter((x) => x.task === t).flatMap((x) => [...x.idx]);
    expect(per(a, 0)).toHaveLength(50);
    expect(new Set(per(a, 0)).size).toBe(50);
    expect(per(a, 1).sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(per(a, 2)).toHaveLength(0);
    expect(per(c, 0)).not.toEqual(per(a, 0));
    expect(a.map((x) => x.task)).not.toEqual([...a.map((x) => x.task)].sort()); // tasks interleaved, not in blocks
  });
});

describe('the training loop', () => {
  it('learns, counts attention as tokens read, and the same seed gives the same metrics', async () => {
    const one = await collect(data, CONFIG, { checkpointDir: tmp() });
    const two = await collect(data, CONFIG, { checkpointDir: tmp() });
    expect(values(one.points)).toEqual(values(two.points));
    const other = await collect(data, { ...CONFIG, seed: 8 }, { checkpointDir: tmp() });
    expect(values(other.points)).not.toEqual(values(one.points));
    for (const t of one.result.tasks) expect(t.testAccuracy).toBeGreaterThan(t.majority + 0.2);
    // every epoch reads each training text once (π = 1): attention grows by the training tokens per epoch
    const tokens = data.tasks[0].train.tokens.reduce((a, b) => a + b, 0);
    const att = one.points.filter((p) => p.task === 'fruit' && p.metric === 'attention').map((p) => p.value);
    expect(att).toEqual([0, tokens, 2 * tokens, 3 * tokens]);
  });

  it('a task with π = 0 spends no attention and does not train', async () => {
    const { points, result } = await collect(data, CONFIG, { checkpointDir: tmp() }, [1, 0]);
    expect(points.filter((p) => p.task === 'stone' && p.metric === 'attention').every((p) => p.value === 0)).toBe(true);
    expect(points.some((p) => p.task === 'stone' && p.metric === 'train.loss')).toBe(false);
    expect(result.tasks[1].testAccuracy).toBeLessThan(0.75);
  });

  it('the task weights change what is learned: w = 0 leaves a head as it was drawn, and only their ratios count', async () => {
    const final = (ps: MetricPoint[], task: string) => ps.find((p) => p.epoch === 3 && p.task === task && p.metric === 'val.loss')!.value;
    const dir = tmp();
    const zero = await collect(data, CONFIG, { checkpointDir: dir }, [1, 1], [0, 1]);
    const drawn = createModel({ kind: CONFIG.model, vocab: data.vocab.length, dim: CONFIG.dim, hidden: CONFIG.hidden, heads: data.tasks.map((t) => ({ name: t.name, classes: t.labels.length })), lr: CONFIG.lr, seed: CONFIG.seed, maxLength: 1 }).state();
    const trained = readCheckpoint(join(dir, 'epoch-3.ckpt')).state;
    expect(Array.from(trained['var.head.fruit.w'])).toEqual(Array.from(drawn['var.head.fruit.w']));
    expect(Array.from(trained['var.head.fruit.b'])).toEqual(Array.from(drawn['var.head.fruit.b']));
    expect(Array.from(trained['var.head.stone.w'])).not.toEqual(Array.from(drawn['var.head.stone.w']));
    expect(zero.points.some((p) => p.task === 'fruit' && p.metric === 'train.loss')).toBe(false);
    const fruitHeavy = await collect(data, CONFIG, { checkpointDir: tmp() }, [1, 1], [10, 1]);
    const stoneHeavy = await collect(data, CONFIG, { checkpointDir: tmp() }, [1, 1], [1, 10]);
    // under Adam a weight moves the shared encoder, not a head's own scale: the runs differ, neither is simply better on toy data
    expect(final(fruitHeavy.points, 'fruit')).not.toBe(final(stoneHeavy.points, 'fruit'));
    const scaled = await collect(data, CONFIG, { checkpointDir: tmp() }, [1, 1], [100, 10]);
    expect(values(scaled.points)).toEqual(values(fruitHeavy.points)); // the loss is scaled by w / mean w
  });

  it('reports progress step by step, and stops between steps when asked, writing nothing for an unfinished epoch', async () => {
    const seen: TrainProgress[] = [];
    const c = { ...CONFIG, epochs: 2 };
    const steps = data.tasks.reduce((s, t) => s + Math.ceil(t.train.size / c.batchSize), 0);
    const r = await train(data, [{ pi: 1, weight: 1 }, { pi: 1, weight: 1 }], c, { checkpointDir: tmp() }, { progress: (p) => seen.push(p) });
    expect(r.stopped).toBe(false);
    expect(r.samplesPerS).toBeGreaterThan(0);
    const tokens = data.tasks.reduce((s, t) => s + t.train.tokens.reduce((a, b) => a + b, 0), 0);
    for (const epoch of [1, 2]) {
      const last = seen.filter((p) => p.epoch === epoch).at(-1)!;
      expect(last).toMatchObject({ epochs: 2, step: epoch * steps, stepsInEpoch: steps, stepInEpoch: steps, attention: epoch * tokens }); // the epoch's last step is always reported
      expect(last.etaS).toBeGreaterThanOrEqual(0);
    }
    expect(seen.at(-1)!.etaS).toBe(0);
    expect(seen.length).toBeLessThan(2 * steps); // at most every 250 ms (and each epoch's last step), not every step
    expect(seen.every((p) => p.samplesPerS > 0 && p.stepInEpoch >= 1 && p.stepInEpoch <= steps && p.step === (p.epoch - 1) * steps + p.stepInEpoch)).toBe(true);
    // the first report (step 1): the steps left in both epochs at the rate so far; the rate is its batch's samples over the same time
    const first = seen[0], batch = (first.etaS! * first.samplesPerS) / (2 * steps - 1);
    expect(first.stepInEpoch).toBe(1);
    expect([c.batchSize, ...data.tasks.map((t) => t.train.size % c.batchSize)].some((b) => Math.abs(b - batch) < 1e-6)).toBe(true);

    for (const [calls, epochs, files] of [[steps + 3, 1, ['epoch-1.ckpt']], [steps + 1, 0, []]] as const) {
      // stop() is asked before each step and once more before an epoch's checkpoint
      let n = 0;
      const dir = tmp(), stored: number[] = [];
      const stopped = await train(data, [{ pi: 1, weight: 1 }, { pi: 1, weight: 1 }], c, { checkpointDir: dir }, { stop: () => ++n >= calls, epoch: (e) => stored.push(e.epoch) });
      expect(stopped.stopped).toBe(true);
      expect(stored).toEqual([0, 1].slice(0, epochs + 1));
      expect(readdirSync(dir).sort()).toEqual(files);
      expect(stopped.tasks.map((t) => t.task)).toEqual(['fruit', 'stone']);
    }
  });

  it('the result is the last evaluation: accuracy, F1 and attention per task, the majority baseline from test (train when test is empty)', async () => {
    const { points, result } = await collect(data, { ...CONFIG, epochs: 1 }, { checkpointDir: tmp() });
    for (const [i, t] of result.tasks.entries()) {
      const at = (metric: string) => points.find((p) => p.epoch === 1 && p.task === t.task && p.metric === metric)!.value;
      expect(t).toEqual({ task: data.tasks[i].name, valAccuracy: at('val.accuracy'), testAccuracy: at('test.accuracy'), testF1: at('test.f1'), majority: majority(data.tasks[i].test), attention: at('attention') });
    }
    const mean = (metric: string) => points.find((p) => p.epoch === 1 && p.task === '' && p.metric === metric)!.value;
    expect(mean('val.accuracy')).toBeCloseTo((result.tasks[0].valAccuracy + result.tasks[1].valAccuracy) / 2, 12);
    expect(mean('test.accuracy')).toBeCloseTo((result.tasks[0].testAccuracy + result.tasks[1].testAccuracy) / 2, 12);
    expect(points.filter((p) => p.metric === 'test.majority').map((p) => p.epoch)).toEqual([0, 0]); // the baseline once, at the start
    const noTest = { ...data, tasks: [{ ...data.tasks[0], test: { ...data.tasks[0].test, size: 0 } }] };
    const alone = await train(noTest, [{ pi: 1, weight: 1 }], { ...CONFIG, epochs: 1 }, { checkpointDir: tmp() });
    expect(alone.tasks[0].majority).toBe(majority(data.tasks[0].train));
    expect(alone.tasks[0].testAccuracy).toBeNaN();
  });

  it('checkpoints every epoch as latest, as best only when the mean validation accuracy rises; samples/s from epoch 1; wall time carries over a resume', async () => {
    const reports: EpochReport[] = [];
    const dir = tmp();
    await train(data, [{ pi: 0.3, weight: 1 }, { pi: 0.3, weight: 1 }], { ...CONFIG, epochs: 5, lr: 0.003 }, { checkpointDir: dir }, { epoch: (r) => reports.push(r) });
    let best = -1;
    for (const r of reports.slice(1)) {
      const v = r.points.find((p) => p.task === '' && p.metric === 'val.accuracy')!.value;
      const path = join(dir, `epoch-${r.epoch}.ckpt`);
      expect(r.checkpoints).toEqual([{ kind: 'latest', path, metric: v }, ...(v > best ? [{ kind: 'best', path, metric: v }] : [])]);
      expect(readCheckpoint(path).header).toMatchObject({ epoch: r.epoch, best: Math.max(best, v) });
      best = Math.max(best, v);
    }
    expect(reports.slice(1).some((r) => r.checkpoints.length === 1)).toBe(true); // some epoch did not improve (else this test shows nothing)
    expect(reports[0].checkpoints).toEqual([]);
    expect(reports.map((r) => r.points.some((p) => p.metric === 'samples_per_s'))).toEqual([false, true, true, true, true, true]);
    const wall = readCheckpoint(join(dir, 'epoch-2.ckpt')).header.wallMs;
    const resumed: MetricPoint[] = [];
    await train(data, [{ pi: 0.3, weight: 1 }, { pi: 0.3, weight: 1 }], { ...CONFIG, epochs: 3, lr: 0.003 }, { checkpointDir: tmp(), resume: join(dir, 'epoch-2.ckpt') }, { epoch: (r) => resumed.push(...r.points) });
    expect(Math.min(...resumed.map((p) => p.wallMs))).toBeGreaterThan(wall);
    const other = { ...data, vocab: [...data.vocab.slice(0, -1), 'changed'] };
    await expect(train(other, [{ pi: 1, weight: 1 }, { pi: 1, weight: 1 }], CONFIG, { checkpointDir: tmp(), resume: join(dir, 'epoch-2.ckpt') })).rejects.toThrow('resume: the data sets changed since this run started (its vocabulary differs)');
    await expect(train({ ...data, vocab: [...data.vocab, 'new'] }, [{ pi: 1, weight: 1 }, { pi: 1, weight: 1 }], CONFIG, { checkpointDir: tmp(), resume: join(dir, 'epoch-2.ckpt') })).rejects.toThrow(/vocabulary differs/);
    await expect(train({ ...data, vocab: data.vocab.slice(1) }, [{ pi: 1, weight: 1 }, { pi: 1, weight: 1 }], CONFIG, { checkpointDir: tmp(), resume: join(dir, 'epoch-2.ckpt') })).rejects.toThrow(/vocabulary differs/);
  });

  it('with the model held still (lr 0): train.loss is the mean loss over every example of the epoch (a short last batch counts by its size), and an equal accuracy is no new best', async () => {
    const reports: EpochReport[] = [];
    const still = { ...CONFIG, lr: 0, batchSize: 28, epochs: 3 };
    await train(data, [{ pi: 1, weight: 1 }, { pi: 1, weight: 1 }], still, { checkpointDir: tmp() }, { epoch: (r) => reports.push(r) });
    const drawn = createModel({ kind: still.model, vocab: data.vocab.length, dim: still.dim, hidden: still.hidden, heads: data.tasks.map((t) => ({ name: t.name, classes: t.labels.length })), lr: 0, seed: still.seed, maxLength: 1 });
    try {
      data.tasks.forEach((t) => {
        expect(t.train.size % still.batchSize).not.toBe(0); // a short last batch
        const loss = reports[1].points.find((p) => p.task === t.name && p.metric === 'train.loss')!.value;
        expect(loss).toBeCloseTo(evaluateSplit(drawn, t, t.train).loss, 5);
      });
    } finally {
      drawn.dispose();
    }
    expect(reports.slice(1).map((r) => r.checkpoints.map((c) => c.kind))).toEqual([['latest', 'best'], ['latest'], ['latest']]);
    // the examples read, for learning curves: every training example once per epoch at π = 1
    expect(reports[2].points.filter((p) => p.metric === 'examples').map((p) => [p.task, p.value])).toEqual(data.tasks.map((t) => [t.name, 2 * t.train.size]));
    expect(reports[1].points.filter((p) => p.metric === 'samples_per_s').map((p) => p.task)).toEqual(['']); // the run's, not a task's

    // π = 0.5: each epoch draws its own half (so the loss of the same still model differs), and the result counts the epochs run
    const halves: EpochReport[] = [];
    const result = await train(data, [{ pi: 0.5, weight: 1 }, { pi: 0.5, weight: 1 }], { ...still, epochs: 2 }, { checkpointDir: tmp() }, { epoch: (r) => halves.push(r) });
    const trainLoss = (r: EpochReport) => r.points.find((p) => p.task === 'fruit' && p.metric === 'train.loss')!.value;
    expect(trainLoss(halves[1])).not.toBe(trainLoss(halves[2]));
    expect(result.epochs).toBe(2);
  });

  it('a split without examples is not evaluated: no points for it, no mean without any, no best checkpoint without validation', async () => {
    const empty: Split = { ids: new Int32Array(0), labels: new Int32Array(0), tokens: new Int32Array(0), size: 0 };
    const oneEmpty = { ...data, tasks: [{ ...data.tasks[0], validation: empty }, data.tasks[1]] };
    const reports: EpochReport[] = [];
    await train(oneEmpty, [{ pi: 0.2, weight: 1 }, { pi: 0.2, weight: 1 }], { ...CONFIG, epochs: 1 }, { checkpointDir: tmp() }, { epoch: (r) => reports.push(r) });
    const at = (task: string, metric: string) => reports[1].points.filter((p) => p.task === task && p.metric === metric).map((p) => p.value);
    expect(at('fruit', 'val.accuracy')).toEqual([]);
    expect(at('', 'val.accuracy')).toEqual(at('stone', 'val.accuracy')); // the mean of the tasks that have one
    const none = { ...data, tasks: data.tasks.map((t) => ({ ...t, validation: empty, test: empty })) };
    const blind: EpochReport[] = [];
    await train(none, [{ pi: 0.2, weight: 1 }, { pi: 0.2, weight: 1 }], { ...CONFIG, epochs: 1 }, { checkpointDir: tmp() }, { epoch: (r) => blind.push(r) });
    expect(blind[1].points.filter((p) => p.task === '' && p.metric !== 'samples_per_s')).toEqual([]);
    expect(blind[1].checkpoints.map((c) => [c.kind, c.metric])).toEqual([['latest', null]]);
  });

  it('a transformer over tasks of different lengths sizes its positions for the longest', async () => {
    const long = store.openDb(':memory:');
    await importContent(long, 'short.csv', toyCsv(200, 3), { tokenizer: { maxLength: 8 } });
    await importContent(long, 'long.csv', toyCsv(200, 4), { tokenizer: { maxLength: 12 } });
    const d = loadTrainingData(long, ['short', 'long'].map((name) => ({ name, datasetId: store.findDatasetByName(long, name)!.id })));
    const dir = tmp();
    await train(d, [{ pi: 0.2, weight: 1 }, { pi: 0.2, weight: 1 }], { ...CONFIG, model: 'transformer', epochs: 1 }, { checkpointDir: dir });
    const ckpt = readCheckpoint(join(dir, 'epoch-1.ckpt'));
    expect(ckpt.header.model.maxLength).toBe(12);
    expect(ckpt.state['var.pos'].length).toBe(12 * CONFIG.dim);
  });

  it('weights all zero count as all equal; a task that does not train (π = 0) does not count toward the mean weight', async () => {
    const zero = await collect(data, { ...CONFIG, epochs: 1 }, { checkpointDir: tmp() }, [1, 1], [0, 0]);
    const one = await collect(data, { ...CONFIG, epochs: 1 }, { checkpointDir: tmp() }, [1, 1], [1, 1]);
    expect(values(zero.points)).toEqual(values(one.points));
    const alone = await collect(data, { ...CONFIG, epochs: 1 }, { checkpointDir: tmp() }, [1, 0], [1, 1]);
    const idleHeavy = await collect(data, { ...CONFIG, epochs: 1 }, { checkpointDir: tmp() }, [1, 0], [1, 9]);
    expect(values(idleHeavy.points)).toEqual(values(alone.points));
  });

  it('resumes from a checkpoint exactly where the uninterrupted run would be', async () => {
    const whole = await collect(data, CONFIG, { checkpointDir: tmp() });
    const dir = tmp();
    const first = await collect(data, { ...CONFIG, epochs: 1 }, { checkpointDir: dir });
    const rest = await collect(data, CONFIG, { checkpointDir: dir, resume: join(dir, 'epoch-1.ckpt') });
    expect(rest.points.every((p) => p.epoch >= 2)).toBe(true);
    expect(values([...first.points, ...rest.points])).toEqual(values(whole.points));
    expect(readCheckpoint(join(dir, 'epoch-3.ckpt')).header.epoch).toBe(3);
  });

  it("a resumed run's first ETA is its own pace since it resumed, not one slow first step's", async () => {
    const dir = tmp();
    await collect(data, { ...CONFIG, epochs: 1 }, { checkpointDir: dir });
    // the resumed trainer's first step is slow (kernels compile, caches fill): 600 ms here
    let first = true;
    const etas: { etaS: number; at: number }[] = [];
    await train(data, data.tasks.map(() => ({ pi: 1, weight: 1 })), CONFIG, { checkpointDir: dir, resume: join(dir, 'epoch-1.ckpt') }, {
      stop: () => {
        if (first) {
          first = false;
          const t0 = performance.now();
          while (performance.now() - t0 < 600) { /* busy, as a compiling first step is */ }
        }
        return false;
      },
      progress: (p) => { if (p.etaS !== null) etas.push({ etaS: p.etaS, at: performance.now() }); },
    });
    const end = performance.now();
    expect(etas.length).toBeGreaterThan(0);
    const left = (end - etas[0].at) / 1000; // what was really left at the first ETA
    // one 600 ms step extrapolated over ~90 steps said ~50 s for well under a second
    expect(etas[0].etaS).toBeLessThan(3 * left + 0.5);
  });

  it('starts from another run: the encoder and same-named heads carry over, new heads start fresh', async () => {
    const dir = tmp();
    const fruitOnly = loadTrainingData(db, [data.tasks[0]]);
    const base = await collect(fruitOnly, CONFIG, { checkpointDir: dir }, [1]);
    const trained = base.points.find((p) => p.epoch === 3 && p.task === 'fruit' && p.metric === 'test.accuracy')!.value;
    const next = await collect(data, { ...CONFIG, epochs: 1, seed: 99 }, { checkpointDir: tmp(), initFrom: join(dir, 'epoch-3.ckpt') });
    const start = (task: string) => next.points.find((p) => p.epoch === 0 && p.task === task && p.metric === 'test.accuracy')!.value;
    expect(start('fruit')).toBe(trained); // same vocabulary rows, encoder and head: the same predictions
    expect(start('stone')).toBeLessThan(0.75);
    await expect(collect(data, { ...CONFIG, model: 'cnn' }, { checkpointDir: tmp(), initFrom: join(dir, 'epoch-3.ckpt') })).rejects.toThrow(/encoder is bag/);
    await expect(collect(data, { ...CONFIG, dim: 32 }, { checkpointDir: tmp(), initFrom: join(dir, 'epoch-3.ckpt') })).rejects.toThrow("init-from: that run's encoder is bag (dim 16, hidden 16); this run asks for bag (dim 32, hidden 16)");
    await expect(collect(data, { ...CONFIG, hidden: 32 }, { checkpointDir: tmp(), initFrom: join(dir, 'epoch-3.ckpt') })).rejects.toThrow(/asks for bag \(dim 16, hidden 32\)/);
  });

  it('a truncated or foreign checkpoint is refused by name', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'x.ckpt'), 'hello world');
    expect(() => readCheckpoint(join(dir, 'x.ckpt'))).toThrow(/not an Attention Lab checkpoint/);
    expect(() => readCheckpoint(join(dir, 'missing.ckpt'))).toThrow(/cannot be read/);
  });

  it('a checkpoint cut short is refused, not half-loaded', async () => {
    const dir = tmp();
    await collect(data, { ...CONFIG, epochs: 1 }, { checkpointDir: dir });
    const buf = readFileSync(join(dir, 'epoch-1.ckpt'));
    writeFileSync(join(dir, 'cut.ckpt'), buf.subarray(0, buf.length - 100));
    expect(() => readCheckpoint(join(dir, 'cut.ckpt'))).toThrow(/truncated/);
  });
});

describe('encoders: the embedding gradient each builds in JS is the loss\'s finite-difference gradient', () => {
  /**
   * An independent reference: the loss the model predicts, −mean log p(y), differentiated by
   * central differences in each table entry. To read the gradient off the update, every row's
   * Adam state is set so the step is linear in it: m = 0, v = 1 and a step count so large that
   * bias correction is 1, so a row moves by −lr · (1 − β1) g / (√(β2 + (1 − β2) g²) + ε).
   */
  const D = 4, H = 3, L = 5, B = 3, V = 10, lr = 0.01;
  const batch = { ids: Int32Array.from([2, 3, 4, 0, 0, 5, 2, 6, 7, 0, 3, 3, 8, 9, 2]), labels: Int32Array.from([0, 1, 1]), length: L, size: B };
  const loss = (m: MultiTaskModel) => {
    const p = m.predict('t', batch);
    return -batch.labels.reduce((s, y, r) => s + Math.log(p[r * 2 + y]), 0) / B;
  };
  const step = (g: number) => (-lr * 0.1 * g) / (Math.sqrt(0.999 + 0.001 * g * g) + 1e-7);

  for (const kind of ['bag', 'cnn', 'transformer'] as ModelKind[]) {
    it(`${kind}; a loss weighted 2 moves it as the task counted twice`, () => {
      const model = () => new MultiTaskModel({ kind, vocab: V, dim: D, hidden: H, heads: [{ name: 't', classes: 2 }], lr, seed: 3, maxLength: L });
      const m = model(), w = m.table.weights, h = 1e-3;
      const fd = Float64Array.from(w, (x, j) => {
        if (j < D) return 0; // padding: not a parameter
        w[j] = x + h;
        const up = loss(m);
        w[j] = x - h;
        const down = loss(m);
        w[j] = x;
        return (up - down) / (2 * h);
      });
      const before = Float32Array.from(w), start = loss(m);
      for (const weight of [1, 2]) {
        const x = weight === 1 ? m : model(), xw = x.table.weights;
        x.table.m.fill(0);
        x.table.v.fill(1);
        x.table.steps.fill(1_000_000);
        expect(x.trainStep('t', batch, weight)).toBeCloseTo(start, 5); // the batch's own mean loss, whatever its weight
        let checked = 0;
        for (let j = D; j < V * D; j++) {
          const want = step(weight * fd[j]), moved = xw[j] - before[j];
          expect(Math.abs(moved - want)).toBeLessThan(2e-7 + 0.02 * Math.abs(want));
          if (Math.abs(fd[j]) > 1e-3) checked++;
        }
        expect(checked).toBeGreaterThan(15); // most entries the batch reads have a gradient worth the name
        expect(Array.from(xw.subarray(0, 2 * D))).toEqual(Array.from(before.subarray(0, 2 * D))); // padding never moves, nor row 1 (no text holds it)
        x.dispose();
      }
    });
  }
});

describe('the bag step in JavaScript (the pure-JS backend\'s path)', () => {
  const config = { kind: 'bag' as const, vocab: 300, dim: 16, hidden: 12, heads: [{ name: 'a', classes: 2 }, { name: 'b', classes: 3 }], lr: 0.01, seed: 5 };
  /** 40 steps on random batches of both tasks (the second task every third step), padding included, the loss weighted. */
  function trainBoth(m: { trainStep(task: string, b: { ids: Int32Array; labels: Int32Array; length: number; size: number }, w?: number): number }): number[] {
    const r = rng(9), losses: number[] = [];
    for (let step = 0; step < 40; step++) {
      const task = step % 3 === 0 ? 'b' : 'a', C = task === 'b' ? 3 : 2, B = 8, L = 10;
      const ids = Int32Array.from({ length: B * L }, (_, i) => (i % L < 3 + (i % 5) ? 1 + Math.floor(r() * 299) : 0));
      losses.push(m.trainStep(task, { ids, labels: Int32Array.from({ length: B }, () => Math.floor(r() * C)), length: L, size: B }, 1.5));
    }
    return losses;
  }
  const maxDiff = (a: ModelState, b: ModelState) => Math.max(...Object.keys(a).map((k) => Array.from(a[k]).reduce((d, x, i) => Math.max(d, Math.abs(x - b[k][i])), 0)));

  it('follows the TF.js model (same init, same Adam) within float tolerance, and predicts the same', () => {
    const tfm = new MultiTaskModel(config), js = new BagModel(config);
    expect(js.state()).toEqual(tfm.state()); // the same seed draws the same model
    const a = trainBoth(tfm), b = trainBoth(js);
    a.forEach((x, i) => expect(b[i]).toBeCloseTo(x, 5));
    const s1 = tfm.state(), s2 = js.state();
    expect(Object.keys(s2)).toEqual(Object.keys(s1)); // one checkpoint layout for both
    expect(maxDiff(s1, s2)).toBeLessThan(1e-5);
    expect(maxDiff(s1, s2)).toBeGreaterThan(0); // not the same code: float rounding differs
    const batch = { ids: Int32Array.from([3, 4, 5, 0, 7, 8, 0, 0]), labels: Int32Array.from([0, 1]), length: 4, size: 2 };
    Array.from(js.predict('b', batch)).forEach((p, i) => expect(p).toBeCloseTo(tfm.predict('b', batch)[i], 5));
    tfm.dispose();
  });

  it('the graph path (the table a TF variable, the step TF.js ops, for native and GPU backends) gives the same numbers on the CPU backend', () => {
    const graph = new BagGraphModel(config), js = new BagModel(config);
    const a = trainBoth(graph), b = trainBoth(js);
    a.forEach((x, i) => expect(b[i]).toBeCloseTo(x, 5));
    const s1 = graph.state(), s2 = js.state();
    expect(Object.keys(s1)).toEqual(Object.keys(s2));
    expect(maxDiff(s1, s2)).toBeLessThan(1e-5);
    expect(Array.from(s1['table.steps'])).toEqual(Array.from(s2['table.steps'])); // lazy: a row counts only the steps that held it
    expect(Array.from(s1['table.steps']).some((t) => t === 0)).toBe(true); // rows no batch held never moved
    const batch = { ids: Int32Array.from([3, 4, 5, 0, 7, 8, 0, 0]), labels: Int32Array.from([0, 1]), length: 4, size: 2 };
    Array.from(graph.predict('b', batch)).forEach((p, i) => expect(p).toBeCloseTo(js.predict('b', batch)[i], 5));
    // a checkpoint of one path loads into the other
    const back = new BagGraphModel(config);
    back.load(s2);
    expect(maxDiff(back.state(), s2)).toBe(0);
    graph.dispose();
    back.dispose();
  });

  it('gives the same numbers bit for bit on any number of threads', () => {
    const one = new BagModel(config), three = new BagModel(config, 3);
    expect(trainBoth(three)).toEqual(trainBoth(one));
    expect(maxDiff(one.state(), three.state())).toBe(0);
    three.dispose();
  });

  it('a run on 2 threads equals the run on 1, and resumes on either', async () => {
    const whole = await collect(data, CONFIG, { checkpointDir: tmp() });
    const two = await collect(data, { ...CONFIG, threads: 2 }, { checkpointDir: tmp() });
    expect(values(two.points)).toEqual(values(whole.points));
    const dir = tmp();
    const first = await collect(data, { ...CONFIG, epochs: 1, threads: 2 }, { checkpointDir: dir });
    const rest = await collect(data, CONFIG, { checkpointDir: dir, resume: join(dir, 'epoch-1.ckpt') });
    expect(values([...first.points, ...rest.points])).toEqual(values(whole.points));
  });
});

describe('task names that are prefixes of one another ("a" and "a.b")', () => {
  const batch = { ids: Int32Array.from([2, 3, 4, 0, 5, 6, 7, 8]), labels: Int32Array.from([0, 1]), length: 4, size: 2 };
  const heads = [{ name: 'a', classes: 2 }, { name: 'a.b', classes: 2 }];
  const models: [string, ModelKind, (c: ModelConfig) => Model][] = [
    ['bag (JS step)', 'bag', (c) => new BagModel(c)], ['bag (TF.js graph)', 'bag', (c) => new BagGraphModel(c)],
    ['cnn', 'cnn', (c) => new MultiTaskModel(c)], ['transformer', 'transformer', (c) => new MultiTaskModel(c)],
  ];
  for (const [label, kind, createModel] of models) {
    it(`${label}: each task trains its own head only, and a checkpoint loads each head into its own task`, () => {
      const m = createModel({ kind, vocab: 10, dim: 4, hidden: 3, heads, lr: 0.01, seed: 1 });
      const before = m.state();
      expect(Number.isFinite(m.trainStep('a', batch))).toBe(true); // was "Cannot compute gradient" (a.b's head swept into a's step)
      const after = m.state();
      const moved = (k: string) => Array.from(after[k]).some((v, i) => v !== before[k][i]);
      expect(moved('var.head.a.w')).toBe(true);
      expect(moved('var.head.a.b.w')).toBe(false);
      expect(Number.isFinite(m.trainStep('a.b', batch))).toBe(true);
      // from a checkpoint, 'a.b' (same name, same classes) gets a.b's head, not a's
      const n = createModel({ kind, vocab: 10, dim: 4, hidden: 3, heads, lr: 0.01, seed: 2 });
      n.load(m.state(), { rows: Int32Array.from({ length: 10 }, (_, i) => i), heads: [{ name: 'a.b', classes: 2 }] }); // as --init-from loads a run
      expect(Array.from(n.state()['var.head.a.b.w'])).toEqual(Array.from(m.state()['var.head.a.b.w']));
      expect(Array.from(n.state()['var.head.a.w'])).not.toEqual(Array.from(m.state()['var.head.a.w']));
      m.dispose();
      n.dispose();
    });
  }

  it('a set of tasks "a" and "a.b" trains on the transformer, both tasks logged', async () => {
    const named = { ...data, tasks: [{ ...data.tasks[0], name: 'a' }, { ...data.tasks[1], name: 'a.b' }] };
    const { points } = await collect(named, { ...CONFIG, model: 'transformer', epochs: 1 }, { checkpointDir: tmp() });
    expect(new Set(points.filter((p) => p.metric === 'test.accuracy').map((p) => p.task))).toEqual(new Set(['', 'a', 'a.b']));
  });
});

describe('evaluation', () => {
  /** Nine test texts of five labels; a stand-in model answers row r with PROBS[r] (its text's one token is r + 1). */
  const truth = [0, 0, 0, 0, 1, 1, 2, 2, 0];
  const PROBS = [
    [0.3, 0.2, 0.2, 0.2, 0.1], [0.6, 0.1, 0.1, 0.1, 0.1], [0.6, 0.1, 0.1, 0.1, 0.1], // 0 → 0 (the first unsure: its row ends where a confident one starts)
    [0.1, 0.6, 0.1, 0.1, 0.1], // 0 → 1
    [0.1, 0.6, 0.2, 0.05, 0.05], // 1 → 1 (its 0.2 is more than the row before ends with: compared within its own row)
    [0.1, 0.1, 0.6, 0.1, 0.1], // 1 → 2
    [0.1, 0.1, 0.6, 0.1, 0.1], // 2 → 2
    [0.1, 0.1, 0, 0.7, 0.2], // 2 → 3, with no probability at all on the truth
    [0.4, 0.4, 0.1, 0.05, 0.05], // 0 → 0: a tie goes to the first label
  ];
  const split: Split = { ids: Int32Array.from(truth, (_, r) => r + 1), labels: Int32Array.from(truth), tokens: new Int32Array(9).fill(1), size: 9 };
  const task = { name: 't', labels: ['a', 'b', 'c', 'd', 'e'], length: 1 } as TaskData;
  const model = { predict: (_: string, b: { ids: Int32Array }) => Float32Array.from([...b.ids].flatMap((id) => PROBS[id - 1])) } as unknown as Model;

  it('macro-F1 averages the per-label F1 over the labels present in truth or prediction; loss and accuracy as a user computes them', () => {
    // label 0: tp 4, fp 0, fn 1 → 8/9; label 1: tp 1, fp 1, fn 1 → 1/2; label 2: the same, 1/2;
    // label 3: predicted once, never true → 0; label 4: neither → not counted
    const f1 = (8 / 9 + 1 / 2 + 1 / 2 + 0) / 4;
    const loss = -(Math.log(0.3) + 4 * Math.log(0.6) + 2 * Math.log(0.1) + Math.log(1e-7) + Math.log(0.4)) / 9; // a zero probability costs −log 1e-7, not infinity
    for (const batch of [256, 4, 1]) {
      const e = evaluateSplit(model, task, split, batch);
      expect(e.f1).toBeCloseTo(f1, 6);
      expect(e.accuracy).toBeCloseTo(6 / 9, 6);
      expect(e.loss).toBeCloseTo(loss, 5);
    }
    expect(majority(split)).toBeCloseTo(5 / 9, 12); // always answering label 0
  });

  it('a label counts in macro-F1 when it is true, predicted, or both, whatever the counts add up to', () => {
    // label 0: tp 1, fn 1 → 2/3; label 1: fp 1, fn 1 → 0; label 2: tp 1, fp 1 → 2/3
    const probs = [[0.8, 0.1, 0.1], [0.1, 0.2, 0.7], [0.1, 0.1, 0.8], [0.2, 0.7, 0.1]];
    const s3: Split = { ids: Int32Array.from([1, 2, 3, 4]), labels: Int32Array.from([0, 1, 2, 0]), tokens: new Int32Array(4).fill(1), size: 4 };
    const m3 = { predict: (_: string, b: { ids: Int32Array }) => Float32Array.from([...b.ids].flatMap((id) => probs[id - 1])) } as unknown as Model;
    expect(evaluateSplit(m3, { name: 't', labels: ['a', 'b', 'c'], length: 1 } as TaskData, s3).f1).toBeCloseTo(4 / 9, 9);
  });
});

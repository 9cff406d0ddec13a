import { LabError } from '../api/errors';
import { getDataset } from '../datasets';
import { tokens, type TokenizerSpec } from '../datasets/tokenise';
import * as store from '../store';

/**
 * A task's data as the trainer reads it: every split encoded once into a row-major
 * [examples × maxLength] id matrix over the joint vocabulary of all the run's tasks.
 */
export interface Split { ids: Int32Array; labels: Int32Array; tokens: Int32Array; size: number }
export interface TaskData { name: string; datasetId: number; labels: string[]; length: number; train: Split; validation: Split; test: Split }
export interface TrainingData { vocab: string[]; tasks: TaskData[] }

/** Char n-grams live in the same table as words: a prefix no word can carry keeps them apart. */
const key = (token: string, spec: TokenizerSpec) => (spec.kind === 'char' ? `c:${token}` : token);

/**
 * Loads and encodes the tasks' data sets. The vocabulary is the `maxSize` most frequent
 * tokens of the training splits only (ids 0 = padding, 1 = out of vocabulary).
 */
export function loadTrainingData(db: store.Db, tasks: { name: string; datasetId: number | null }[], maxSize = 20_000): TrainingData {
  const raw = tasks.map((t) => {
    if (t.datasetId == null) throw new LabError('invalid_input', `task '${t.name}' has no data set, so it cannot be trained (give it one in the task set)`);
    const d = getDataset(db, t.datasetId);
    const read = (s: store.Split) => store.readExamples(db, d.id, s);
    return { name: t.name, d, train: read('train'), validation: read('validation'), test: read('test') };
  });
  // One pass over the training texts: each token counted under a first-seen id, the first
  // maxLength ids of each text kept, so training texts are tokenised once (it was half the load).
  const seen = new Map<string, number>(), keys: string[] = [];
  let counts = new Int32Array(1 << 16);
  const firstIds = raw.map((r) => r.train.map((e) => {
    const ts = tokens(e.text, r.d.tokenizer.kind), out = new Int32Array(Math.min(r.d.tokenizer.maxLength, ts.length));
    for (let j = 0; j < ts.length; j++) {
      const k = key(ts[j], r.d.tokenizer);
      let i = seen.get(k);
      if (i === undefined) {
        seen.set(k, (i = keys.push(k) - 1));
        if (i === counts.length) counts = Int32Array.from({ length: 2 * i }, (_, x) => counts[x] ?? 0);
      }
      counts[i]++;
      if (j < out.length) out[j] = i;
    }
    return out;
  }));
  // most frequent first, ties by first appearance (a stable sort of first-seen ids)
  const kept = Array.from(keys.keys()).sort((a, b) => counts[b] - counts[a]).slice(0, Math.max(0, maxSize - 2));
  const vocab = ['<pad>', '<oov>', ...kept.map((i) => keys[i])];
  const idOf = new Int32Array(keys.length).fill(1); // first-seen id → vocabulary id (1: out of vocabulary)
  kept.forEach((i, v) => (idOf[i] = v + 2));
  const encode = (rows: { text: string; label: string }[], labels: string[], spec: TokenizerSpec, known?: Int32Array[]): Split => {
    const L = spec.maxLength, ids = new Int32Array(rows.length * L), count = new Int32Array(rows.length);
    const labelOf = new Map(labels.map((l, i) => [l, i]));
    const y = Int32Array.from(rows, (r) => labelOf.get(r.label)!);
    rows.forEach((r, i) => {
      if (known) {
        known[i].forEach((f, j) => (ids[i * L + j] = idOf[f]));
        count[i] = known[i].length;
        return;
      }
      const ts = tokens(r.text, spec.kind), n = Math.min(L, ts.length);
      for (let j = 0; j < n; j++) {
        const f = seen.get(key(ts[j], spec));
        ids[i * L + j] = f === undefined ? 1 : idOf[f];
      }
      count[i] = n;
    });
    return { ids, labels: y, tokens: count, size: rows.length };
  };
  return {
    vocab,
    tasks: raw.map((r, ti) => ({
      name: r.name, datasetId: r.d.id, labels: r.d.labels, length: r.d.tokenizer.maxLength,
      train: encode(r.train, r.d.labels, r.d.tokenizer, firstIds[ti]), validation: encode(r.validation, r.d.labels, r.d.tokenizer), test: encode(r.test, r.d.labels, r.d.tokenizer),
    })),
  };
}

/**
 * Rows `idx` of a split as one batch, cut to its longest text (padding the model
 * would skip anyway is not built: a batch of short names is short).
 */
export function batchOf(s: Split, maxLength: number, idx: ArrayLike<number>): { ids: Int32Array; labels: Int32Array; length: number; size: number; tokens: number } {
  let length = 1;
  for (let i = 0; i < idx.length; i++) length = Math.max(length, s.tokens[idx[i]]);
  const ids = new Int32Array(idx.length * length), labels = new Int32Array(idx.length);
  let tokens = 0;
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    ids.set(s.ids.subarray(r * maxLength, r * maxLength + length), i * length);
    labels[i] = s.labels[r];
    tokens += s.tokens[r];
  }
  return { ids, labels, length, size: idx.length, tokens };
}

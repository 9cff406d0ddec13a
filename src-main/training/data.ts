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
  const freq = new Map<string, number>();
  for (const r of raw) for (const e of r.train) for (const w of tokens(e.text, r.d.tokenizer.kind)) {
    const k = key(w, r.d.tokenizer);
    freq.set(k, (freq.get(k) ?? 0) + 1);
  }
  const vocab = ['<pad>', '<oov>', ...[...freq].sort((a, b) => b[1] - a[1]).slice(0, Math.max(0, maxSize - 2)).map(([w]) => w)];
  const index = new Map(vocab.map((w, i) => [w, i]));
  const encode = (rows: { text: string; label: string }[], labels: string[], spec: TokenizerSpec): Split => {
    const L = spec.maxLength, ids = new Int32Array(rows.length * L), count = new Int32Array(rows.length);
    const labelOf = new Map(labels.map((l, i) => [l, i]));
    const y = Int32Array.from(rows, (r) => labelOf.get(r.label)!);
    rows.forEach((r, i) => {
      const ts = tokens(r.text, spec.kind), n = Math.min(L, ts.length);
      for (let j = 0; j < n; j++) ids[i * L + j] = index.get(key(ts[j], spec)) ?? 1;
      count[i] = n;
    });
    return { ids, labels: y, tokens: count, size: rows.length };
  };
  return {
    vocab,
    tasks: raw.map((r) => ({
      name: r.name, datasetId: r.d.id, labels: r.d.labels, length: r.d.tokenizer.maxLength,
      train: encode(r.train, r.d.labels, r.d.tokenizer), validation: encode(r.validation, r.d.labels, r.d.tokenizer), test: encode(r.test, r.d.labels, r.d.tokenizer),
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

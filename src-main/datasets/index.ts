import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { LabError, excerpt } from '../api/errors';
import type { Dataset, DatasetSummary } from '../api/schemas';
import * as store from '../store';
import { BUILTINS } from './builtins';
import { readRows, type ReadOptions } from './importer';
import { DEFAULT_FRACTIONS, stratifiedSplit, type SplitFractions } from './split';
import { computeStats, type DatasetStats } from './stats';
import { DEFAULT_MAX_LENGTH, Vocabulary, type TokenizerKind, type TokenizerSpec } from './tokenise';

export { BUILTINS } from './builtins';
export { Vocabulary, tokens, tokenCount, PAD, OOV, type TokenizerSpec } from './tokenise';

/**
 * Data sets: the built-ins (read from npm packages at first use) and imports, each
 * stored with a deterministic stratified split, its tokeniser and its statistics.
 */
interface Meta { description: string; tokenizer: TokenizerSpec; split: Dataset['split']; notes: string[]; stats: DatasetStats }

export type Progress = (p: { phase: 'reading' | 'splitting' | 'writing' | 'done'; rows: number; bytes?: number; totalBytes?: number }) => void;

function storeDataset(db: store.Db, name: string, source: string, texts: string[], labels: string[], labelOf: ArrayLike<number>, splits: store.Split[], meta: Omit<Meta, 'stats'>, progress?: Progress): Dataset {
  const rows = texts.map((text, i) => ({ text, label: labels[labelOf[i]], split: splits[i] }));
  const stats = computeStats(rows, meta.tokenizer);
  if (stats.counts.train === 0) throw new LabError('invalid_input', 'split: the training split would be empty');
  // A run reports accuracy on validation and test after every epoch: with an empty split it would report nothing and call that done.
  const empty = (['validation', 'test'] as const).filter((k) => stats.counts[k] === 0);
  if (empty.length)
    throw new LabError('invalid_input', `too few rows to split: of ${rows.length.toLocaleString('en-US')} rows, the ${empty.join(' and the ')} split${empty.length > 1 ? 's' : ''} would be empty; ` +
      (meta.split && 'column' in meta.split ? `the split column must name at least one ${empty.join(' and one ')} row` : 'at 80/10/10 each label needs at least 8 rows (give more rows, or a split column)'));
  progress?.({ phase: 'writing', rows: rows.length });
  const row = store.createDataset(db, { name, source, labels, meta: { ...meta, stats } }, rows);
  progress?.({ phase: 'done', rows: rows.length });
  return getDataset(db, row.id);
}

const summary = (r: store.DatasetSummary): DatasetSummary => {
  const m = r.meta as unknown as Meta;
  return { id: r.id, name: r.name, source: r.source, description: m.description ?? '', labels: r.labels, tokenizer: m.tokenizer, counts: r.counts, createdAt: r.createdAt };
};

export function listDatasets(db: store.Db): DatasetSummary[] {
  return store.listDatasets(db).map(summary);
}

export function getDataset(db: store.Db, id: number): Dataset {
  const r = store.getDataset(db, id);
  const m = r.meta as unknown as Meta;
  // The counts were taken when the examples were written (they never change): no scan of the examples table.
  return { ...summary({ ...r, counts: m.stats.counts }), stats: m.stats, notes: m.notes ?? [], split: m.split };
}

export function builtins(db: store.Db) {
  return Object.entries(BUILTINS).map(([name, b]) => ({ name, description: b.description, source: b.source, loadedId: store.findDatasetByName(db, name)?.id ?? null }));
}

/** The stored built-in, loading it from its npm package the first time. */
export function ensureBuiltin(db: store.Db, name: string, progress?: Progress): Dataset {
  const b = BUILTINS[name];
  if (!b) throw new LabError('not_found', `name: no built-in data set '${name}' (built-ins: ${Object.keys(BUILTINS).join(', ')})`);
  const existing = store.findDatasetByName(db, name);
  if (existing) {
    if (existing.source !== `builtin:${name}`) throw new LabError('conflict', `name: '${name}' is taken by an imported data set, so the built-in cannot be loaded under it`);
    return getDataset(db, existing.id);
  }
  const { rows, notes } = b.load();
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  const ids = rows.map((r) => labels.indexOf(r.label));
  const seed = 1;
  progress?.({ phase: 'splitting', rows: rows.length });
  const splits = stratifiedSplit(rows.map((r) => r.label), seed);
  const tokenizer = { kind: b.tokenizer, maxLength: DEFAULT_MAX_LENGTH[b.tokenizer] };
  return storeDataset(db, name, `builtin:${name}`, rows.map((r) => r.text), labels, ids, splits, { description: b.description, tokenizer, split: { seed, fractions: DEFAULT_FRACTIONS }, notes }, progress);
}

export interface ImportOptions extends Omit<ReadOptions, 'onProgress'> {
  name?: string;
  seed?: number;
  fractions?: SplitFractions;
  tokenizer?: Partial<TokenizerSpec>;
}

/** Imports a CSV, TSV or JSONL file as one data set, in one transaction, or stores nothing. */
export async function importDataset(db: store.Db, path: string, o: ImportOptions = {}, progress?: Progress): Promise<Dataset> {
  const name = (o.name ?? basename(path, extname(path))).trim();
  if (!name) throw new LabError('invalid_input', 'name: the data set needs a name');
  if (store.findDatasetByName(db, name)) throw new LabError('conflict', `name: a data set named '${name}' already exists; choose another name`);
  const r = await readRows(path, { ...o, onProgress: (p) => progress?.({ phase: 'reading', ...p }) });
  progress?.({ phase: 'splitting', rows: r.texts.length });
  const seed = o.seed ?? 1, fractions = o.fractions ?? DEFAULT_FRACTIONS;
  const splits = r.splits ?? stratifiedSplit(Array.from(r.labelOf, (i) => r.labels[i]), seed, fractions);
  if (r.splits && !r.splits.includes('train')) throw new LabError('invalid_input', `split column '${excerpt(r.columns.split)}': no row is in the training split`);
  const kind: TokenizerKind = o.tokenizer?.kind ?? guessKind(r.texts);
  const tokenizer = { kind, maxLength: o.tokenizer?.maxLength ?? DEFAULT_MAX_LENGTH[kind] };
  const notes = [`imported from ${basename(path)}: text '${r.columns.text}', label '${r.columns.label}'${r.columns.split ? `, split '${r.columns.split}'` : ''}`];
  return storeDataset(db, name, `import:${basename(path)}`, r.texts, r.labels, r.labelOf, splits, { description: `imported from ${basename(path)}`, tokenizer, split: r.columns.split ? { column: r.columns.split } : { seed, fractions }, notes }, progress);
}

/** An uploaded file's content, imported through a private temporary file. */
export async function importContent(db: store.Db, filename: string, content: string, o: ImportOptions = {}, progress?: Progress): Promise<Dataset> {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-import-'));
  try {
    const path = join(dir, basename(filename));
    writeFileSync(path, content, { mode: 0o600 });
    return await importDataset(db, path, { ...o, name: o.name ?? basename(filename, extname(filename)) }, progress);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Names and other short texts read better as character n-grams than as one rare word each. */
function guessKind(texts: string[]): TokenizerKind {
  const sample = texts.filter((_, i) => i % Math.max(1, Math.floor(texts.length / 1000)) === 0).map((t) => t.length).sort((a, b) => a - b);
  return sample[Math.floor(sample.length / 2)] <= 24 ? 'char' : 'word';
}

/** The training split's vocabulary of a stored data set: validation and test text never enter it. */
export function trainingVocabulary(db: store.Db, id: number, maxSize = 20_000): Vocabulary {
  const d = getDataset(db, id);
  return Vocabulary.fromTraining(store.readExamples(db, id, 'train').map((e) => e.text), d.tokenizer, maxSize);
}

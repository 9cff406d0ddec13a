import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { getDataset } from '../datasets';
import type * as store from '../store';
import { loadTrainingData, type TrainingData } from './data';

/**
 * Encoded training data kept beside the database (lab.db → lab.db-cache/): a study trains the same task set a
 * dozen times, and tokenising the texts was most of a small run's start. A file is named
 * by what made it (each task's name and data set, the data set's identity and
 * tokenizer, the vocabulary size, this format), so a changed data set misses it; a file
 * that cannot be read is rebuilt, one that cannot be written only costs the time.
 */
const FORMAT = 1; // raise when tokenising or encoding changes
const KEEP = 8; // cache files kept, newest first

export function loadTrainingDataCached(db: store.Db, tasks: { name: string; datasetId: number | null }[], maxSize: number, dir: string): TrainingData {
  const key = JSON.stringify([FORMAT, maxSize, tasks.map((t) => {
    if (t.datasetId == null) return [t.name, null]; // loadTrainingData says why it cannot train
    const d = getDataset(db, t.datasetId);
    return [t.name, d.id, d.name, d.createdAt, d.counts, d.tokenizer, d.labels, d.split];
  })]);
  const file = join(dir, `data-${createHash('sha256').update(key).digest('hex').slice(0, 20)}.v8`);
  try {
    const cached = deserialize(readFileSync(file)) as { key: string; data: TrainingData };
    if (cached.key === key) return cached.data;
  } catch { /* absent or unreadable: build it */ }
  const data = loadTrainingData(db, tasks, maxSize);
  const tmp = `${file}.${process.pid}.tmp`; // trainers starting together each write their own, then rename whole
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, serialize({ key, data }));
    renameSync(tmp, file);
    const old = readdirSync(dir).filter((f) => f.endsWith('.v8')).map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t).slice(KEEP);
    for (const { f } of old) rmSync(join(dir, f), { force: true });
  } catch {
    rmSync(tmp, { force: true }); // read-only or full: the next run encodes again, and a full disk gets its room back
  }
  return data;
}

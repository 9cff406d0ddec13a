import { LabError } from '../api/errors';
import { type Db, now, writeTx } from './db';

export type Split = 'train' | 'validation' | 'test';
export interface Example { text: string; label: string; split: Split }
export interface DatasetRow { id: number; name: string; source: string; labels: string[]; meta: Record<string, unknown>; createdAt: string }
export interface DatasetSummary extends DatasetRow { counts: Record<Split, number> }

const toDataset = (r: { id: number; name: string; source: string; labels: string; meta: string; created_at: string }): DatasetRow => ({
  id: r.id, name: r.name, source: r.source, labels: JSON.parse(r.labels), meta: JSON.parse(r.meta), createdAt: r.created_at,
});

/** Stores a data set and all its examples in one transaction: an import is whole or absent. */
export function createDataset(
  db: Db,
  d: { name: string; source: string; labels: string[]; meta?: Record<string, unknown> },
  examples: Iterable<Example>,
): DatasetRow {
  const id = writeTx(db, () => {
    if (db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(d.name))
      throw new LabError('conflict', `name: a data set named '${d.name}' already exists`);
    const id = Number(
      db.prepare('INSERT INTO datasets (name, source, labels, meta, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(d.name, d.source, JSON.stringify(d.labels), JSON.stringify(d.meta ?? {}), now()).lastInsertRowid,
    );
    // 64 rows per statement: one JS→C crossing per 64 rows (1M rows: 3.3 s of writing → 2.2 s)
    const CHUNK = 64;
    const many = db.prepare(`INSERT INTO examples (dataset_id, split, label, text) VALUES ${Array(CHUNK).fill('(?, ?, ?, ?)').join(', ')}`);
    const one = db.prepare('INSERT INTO examples (dataset_id, split, label, text) VALUES (?, ?, ?, ?)');
    let args: unknown[] = [];
    for (const e of examples) {
      args.push(id, e.split, e.label, e.text);
      if (args.length === CHUNK * 4) {
        many.run(args);
        args = [];
      }
    }
    for (let k = 0; k < args.length; k += 4) one.run(args.slice(k, k + 4));
    return id;
  });
  return getDataset(db, id);
}

export function getDataset(db: Db, id: number): DatasetRow {
  const r = db.prepare<[number], Parameters<typeof toDataset>[0]>('SELECT * FROM datasets WHERE id = ?').get(id);
  if (!r) throw new LabError('not_found', `data set ${id} does not exist`);
  return toDataset(r);
}

export function findDatasetByName(db: Db, name: string): DatasetRow | null {
  const r = db.prepare<[string], Parameters<typeof toDataset>[0]>('SELECT * FROM datasets WHERE name = ?').get(name);
  return r ? toDataset(r) : null;
}

export function listDatasets(db: Db): DatasetSummary[] {
  const counts = db
    .prepare<[], { dataset_id: number; split: Split; n: number }>('SELECT dataset_id, split, count(*) AS n FROM examples GROUP BY dataset_id, split')
    .all();
  return db
    .prepare<[], Parameters<typeof toDataset>[0]>('SELECT * FROM datasets ORDER BY id')
    .all()
    .map((r) => {
      const c = { train: 0, validation: 0, test: 0 };
      for (const x of counts) if (x.dataset_id === r.id) c[x.split] = x.n;
      return { ...toDataset(r), counts: c };
    });
}

export function readExamples(db: Db, datasetId: number, split: Split): { text: string; label: string }[] {
  return db
    .prepare<[number, string], { text: string; label: string }>('SELECT text, label FROM examples WHERE dataset_id = ? AND split = ? ORDER BY id')
    .all(datasetId, split);
}

export function deleteDataset(db: Db, id: number): void {
  const used = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM tasks WHERE dataset_id = ?').get(id)!.n;
  if (used) throw new LabError('conflict', `data set ${id} is used by ${used} task(s); remove them from their task sets first`);
  if (db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes === 0) throw new LabError('not_found', `data set ${id} does not exist`);
}

export function pageExamples(db: Db, datasetId: number, split: Split | null, offset: number, limit: number): { total: number; rows: Example[] } {
  const where = split ? 'dataset_id = ? AND split = ?' : 'dataset_id = ?';
  const args = split ? [datasetId, split] : [datasetId];
  const total = db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM examples WHERE ${where}`).get(...args)!.n;
  const rows = db.prepare<unknown[], Example>(`SELECT text, label, split FROM examples WHERE ${where} ORDER BY id LIMIT ? OFFSET ?`).all(...args, limit, offset);
  return { total, rows };
}

import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { epochFile, epochOfFile } from '../training/checkpoint';
import type { Db } from './db';
import { now, onDisk, writeTx } from './db';

export interface Checkpoint { runId: number; epoch: number; kind: 'latest' | 'best'; path: string; metric: number | null }

/** Records the file of a run's latest or best checkpoint; the previous one of that kind is replaced. */
export function saveCheckpoint(db: Db, c: Checkpoint): void {
  db.prepare(
    `INSERT INTO checkpoints (run_id, epoch, kind, path, metric, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, kind) DO UPDATE SET epoch = excluded.epoch, path = excluded.path, metric = excluded.metric, created_at = excluded.created_at`,
  ).run(c.runId, c.epoch, c.kind, c.path, c.metric, now());
}

export function getCheckpoint(db: Db, runId: number, kind: 'latest' | 'best'): Checkpoint | null {
  const r = db
    .prepare<[number, string], { epoch: number; path: string; metric: number | null }>('SELECT epoch, path, metric FROM checkpoints WHERE run_id = ? AND kind = ?')
    .get(runId, kind);
  return r ? { runId, kind, ...r } : null;
}

/**
 * Where one database keeps its checkpoint files: a folder named after the database file
 * (`lab.db` → `lab.db-checkpoints/`, as SQLite names its `-wal` beside it), so two
 * databases in one folder never share a run's files.
 */
export const checkpointRoot = (dbPath: string): string => `${dbPath}-checkpoints`;
export const runCheckpointDir = (dbPath: string, runId: number): string => join(checkpointRoot(dbPath), `run-${runId}`);

/**
 * The database is the truth about a run's checkpoints: removes every file in the run's
 * folder that no checkpoint row names (epochs an orphaned trainer wrote past the stored
 * epoch, temporary files of a write cut short, epochs superseded), keeping those at or
 * beyond `keepFrom` (epochs a live trainer is writing now). Returns the files removed.
 */
export function pruneCheckpointFiles(db: Db, runId: number, keepFrom = Infinity): string[] {
  const dir = runCheckpointDir(db.name, runId);
  if (!existsSync(dir)) return [];
  const named = new Set(db.prepare<[number], { path: string }>('SELECT path FROM checkpoints WHERE run_id = ?').all(runId).map((r) => basename(r.path)));
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    if (named.has(f)) continue;
    const epoch = epochOfFile(f);
    if (epoch !== null && epoch >= keepFrom) continue;
    rmSync(join(dir, f), { force: true, recursive: true });
    removed.push(f);
  }
  return removed;
}

/**
 * Checkpoints written before they had a folder per database lived in `checkpoints/run-N/`
 * beside it, shared by every database in that folder. Copies this database's into its own
 * folder and points its rows there; the old files stay, since another database may name them.
 */
export function relocateSharedCheckpoints(db: Db): number {
  if (!onDisk(db)) return 0;
  const root = checkpointRoot(db.name);
  const rows = db.prepare<[string], { run_id: number; kind: string; epoch: number; path: string }>(
    'SELECT run_id, kind, epoch, path FROM checkpoints WHERE instr(path, ?) <> 1',
  ).all(`${root}/`);
  if (!rows.length) return 0;
  const moves = rows.map((r) => ({ ...r, to: epochFile(runCheckpointDir(db.name, r.run_id), r.epoch) }));
  for (const m of moves) {
    if (!existsSync(m.path) || existsSync(m.to)) continue;
    mkdirSync(join(m.to, '..'), { recursive: true });
    copyFileSync(m.path, m.to);
  }
  writeTx(db, () => {
    const set = db.prepare('UPDATE checkpoints SET path = ? WHERE run_id = ? AND kind = ?');
    for (const m of moves) if (existsSync(m.to)) set.run(m.to, m.run_id, m.kind);
  });
  return moves.length;
}

import type { Db } from './db';
import { now } from './db';

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

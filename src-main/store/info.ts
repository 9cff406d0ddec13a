import { statSync } from 'node:fs';
import type { DbInfo } from '../api/schemas';
import { type Db, onDisk, schemaVersion } from './db';

const TABLES = ['datasets', 'examples', 'task_sets', 'tasks', 'solves', 'runs', 'metric_points', 'metric_series', 'checkpoints', 'curve_fits', 'studies'] as const;

export function dbInfo(db: Db): DbInfo {
  const counts: Record<string, number> = {};
  for (const t of TABLES) counts[t] = (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
  let sizeBytes = 0;
  if (onDisk(db)) for (const suffix of ['', '-wal']) try { sizeBytes += statSync(db.name + suffix).size; } catch { /* no WAL yet */ }
  return { path: db.name, schemaVersion: schemaVersion(db), sizeBytes, counts };
}

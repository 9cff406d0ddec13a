import type { MetricPoint } from '../api/schemas';
import type { Db } from './db';

/**
 * run_finals: each run's last value per (metric, task), and under task '' the mean of its
 * tasks' last values (a run-level metric with no tasks keeps its own). Kept in step with
 * every append, so the runs list sorts and filters 10,000 runs by a final metric in SQL.
 */
const MEAN = `INSERT INTO run_finals (run_id, metric, task, value)
  SELECT run_id, metric, '', avg(value) FROM run_finals WHERE run_id = ? AND task != '' GROUP BY metric
  ON CONFLICT (run_id, metric, task) DO UPDATE SET value = excluded.value`;

/** After a batch (appended in order, so each key's last point is its newest). */
export function updateFinals(db: Db, runId: number, points: readonly MetricPoint[]): void {
  const last = new Map<string, MetricPoint>();
  for (const p of points) last.set(`${p.metric}\u0000${p.task}`, p);
  const up = db.prepare('INSERT INTO run_finals (run_id, metric, task, value) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, metric, task) DO UPDATE SET value = excluded.value');
  for (const p of last.values()) up.run(runId, p.metric, p.task, p.value);
  db.prepare(MEAN).run(runId);
}

/** From the log again (after a resume dropped epochs). */
export function recomputeFinals(db: Db, runId: number): void {
  db.prepare('DELETE FROM run_finals WHERE run_id = ?').run(runId);
  db.prepare(
    `INSERT INTO run_finals (run_id, metric, task, value)
     SELECT run_id, metric, task, value FROM (
       SELECT run_id, metric, task, value, row_number() OVER (PARTITION BY metric, task ORDER BY epoch DESC, step DESC) AS k
       FROM metric_points WHERE run_id = ?) WHERE k = 1`,
  ).run(runId);
  db.prepare(MEAN).run(runId);
}

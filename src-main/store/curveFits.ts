import { LabError } from '../api/errors';
import type { CurveFit } from '../api/schemas';
import { type Db, now } from './db';

/** Learning-curve fits: per task set, from runs or typed by hand; the curve policy solves with one. */
type Row = { id: number; task_set_id: number; name: string; source: 'runs' | 'manual'; run_ids: string; tasks: string; created_at: string };
const toFit = (r: Row): CurveFit => ({
  id: r.id, taskSetId: r.task_set_id, name: r.name, source: r.source, runIds: JSON.parse(r.run_ids), tasks: JSON.parse(r.tasks), createdAt: r.created_at,
});

export function saveCurveFit(db: Db, f: Omit<CurveFit, 'id' | 'createdAt'>): CurveFit {
  if (!db.prepare('SELECT 1 FROM task_sets WHERE id = ?').get(f.taskSetId)) throw new LabError('not_found', `task set ${f.taskSetId} does not exist`);
  const id = db
    .prepare('INSERT INTO curve_fits (task_set_id, name, source, run_ids, tasks, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(f.taskSetId, f.name, f.source, JSON.stringify(f.runIds), JSON.stringify(f.tasks), now()).lastInsertRowid;
  return getCurveFit(db, Number(id));
}

export function getCurveFit(db: Db, id: number): CurveFit {
  const r = db.prepare<[number], Row>('SELECT * FROM curve_fits WHERE id = ?').get(id);
  if (!r) throw new LabError('not_found', `learning-curve fit ${id} does not exist`);
  return toFit(r);
}

/** A task set's fits, newest first. */
export function listCurveFits(db: Db, taskSetId: number): CurveFit[] {
  return db.prepare<[number], Row>('SELECT * FROM curve_fits WHERE task_set_id = ? ORDER BY id DESC').all(taskSetId).map(toFit);
}

export function deleteCurveFit(db: Db, id: number): void {
  if (db.prepare('DELETE FROM curve_fits WHERE id = ?').run(id).changes === 0) throw new LabError('not_found', `learning-curve fit ${id} does not exist`);
}

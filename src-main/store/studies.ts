import { LabError } from '../api/errors';
import type { Study, StudyReport } from '../api/study';
import { type Db, now } from './db';
import { alive } from './runs';

/** Studies: their options, progress through the phases, run ids and report. */
type Row = {
  id: number; task_set_id: number | null; name: string; options: string; status: Study['status']; phase: string; owner_pid: number | null;
  pilot_run_id: number | null; curve_fit_id: number | null; run_ids: string; report: string | null; error: string | null; created_at: string; finished_at: string | null;
};
const toStudy = (r: Row): Study => {
  const rep = r.report ? (JSON.parse(r.report) as { report: StudyReport; markdown: string }) : null;
  return {
    id: r.id, taskSetId: r.task_set_id, name: r.name, options: JSON.parse(r.options), status: r.status, phase: r.phase,
    pilotRunId: r.pilot_run_id, curveFitId: r.curve_fit_id, runIds: JSON.parse(r.run_ids), report: rep?.report ?? null, markdown: rep?.markdown ?? null,
    error: r.error, createdAt: r.created_at, finishedAt: r.finished_at,
  };
};

export function createStudy(db: Db, s: { taskSetId: number; name: string; options: Study['options'] }): Study {
  const id = db.prepare("INSERT INTO studies (task_set_id, name, options, status, phase, owner_pid, created_at) VALUES (?, ?, ?, 'running', 'pilot', ?, ?)")
    .run(s.taskSetId, s.name, JSON.stringify(s.options), process.pid, now()).lastInsertRowid;
  return getStudy(db, Number(id));
}

export function getStudy(db: Db, id: number): Study {
  const r = db.prepare<[number], Row>('SELECT * FROM studies WHERE id = ?').get(id);
  if (!r) throw new LabError('not_found', `study ${id} does not exist`);
  return toStudy(r);
}

/** Newest first; without the reports' bodies kept apart (they are small: numbers and Markdown). */
export function listStudies(db: Db): Study[] {
  return db.prepare<[], Row>('SELECT * FROM studies ORDER BY id DESC').all().map(toStudy);
}

export function updateStudy(db: Db, id: number, patch: { phase?: string; pilotRunId?: number; curveFitId?: number; runIds?: Record<string, number[]> }): void {
  const columns: [string, unknown][] = [['phase', patch.phase], ['pilot_run_id', patch.pilotRunId], ['curve_fit_id', patch.curveFitId], ['run_ids', patch.runIds && JSON.stringify(patch.runIds)]];
  const set = columns.filter(([, v]) => v !== undefined);
  if (set.length) db.prepare(`UPDATE studies SET ${set.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...set.map(([, v]) => v), id);
}

/** A study stops: once (a study already stopped keeps its first ending). */
export function finishStudy(db: Db, id: number, status: Exclude<Study['status'], 'running'>, o: { error?: string; report?: { report: StudyReport; markdown: string } } = {}): boolean {
  return db.prepare("UPDATE studies SET status = ?, phase = '', error = ?, report = ?, finished_at = ? WHERE id = ? AND status = 'running'")
    .run(status, o.error ?? null, o.report ? JSON.stringify(o.report) : null, now(), id).changes > 0;
}

/** Studies a stopped lab left running (their driver is gone): interrupted. */
export function markStudiesInterrupted(db: Db): number {
  const rows = db.prepare<[], { id: number; owner_pid: number | null }>("SELECT id, owner_pid FROM studies WHERE status = 'running'").all();
  let n = 0;
  for (const r of rows) {
    if (r.owner_pid !== null && r.owner_pid !== process.pid && alive(r.owner_pid)) continue;
    if (finishStudy(db, r.id, 'interrupted', { error: 'the lab stopped while this study ran; its finished runs are kept' })) n++;
  }
  return n;
}

export function deleteStudy(db: Db, id: number): void {
  if (db.prepare('DELETE FROM studies WHERE id = ?').run(id).changes === 0) throw new LabError('not_found', `study ${id} does not exist`);
}

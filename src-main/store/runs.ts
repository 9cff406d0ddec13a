import { LabError } from '../api/errors';
import type { LabRunConfig, Run, RunStatus } from '../api/schemas';
import { type Db, now, writeTx } from './db';
import { sealRun } from './metrics';

interface RunRow {
  id: number; task_set_id: number | null; solve_id: number | null; name: string; config: string; status: RunStatus;
  backend: string | null; environment: string; seed: number; created_at: string; started_at: string | null;
  finished_at: string | null; error: string | null; notes: string; tags: string; source: 'lab' | 'mlflow'; experiment_id: number | null;
}

const toRun = (r: RunRow): Run => ({
  id: r.id, taskSetId: r.task_set_id, solveId: r.solve_id, name: r.name, config: JSON.parse(r.config),
  status: r.status, backend: r.backend, environment: JSON.parse(r.environment), seed: r.seed,
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at, error: r.error,
  notes: r.notes, tags: JSON.parse(r.tags), source: r.source, experimentId: r.experiment_id,
});

export interface NewRun {
  taskSetId?: number | null;
  solveId?: number | null;
  name?: string;
  /** what the lab trains it with (a tracked run's params are written by tracked.ts) */
  config?: LabRunConfig;
  seed?: number;
  tags?: string[];
  environment?: Record<string, unknown>;
}

export function createRun(db: Db, r: NewRun): Run {
  if (r.taskSetId != null && !db.prepare('SELECT 1 FROM task_sets WHERE id = ?').get(r.taskSetId))
    throw new LabError('not_found', `taskSetId: task set ${r.taskSetId} does not exist`);
  if (r.solveId != null && !db.prepare('SELECT 1 FROM solves WHERE id = ?').get(r.solveId))
    throw new LabError('not_found', `solveId: solve ${r.solveId} does not exist`);
  const id = db
    .prepare("INSERT INTO runs (task_set_id, solve_id, name, config, status, seed, created_at, tags, environment) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)")
    .run(r.taskSetId ?? null, r.solveId ?? null, r.name ?? '', JSON.stringify(r.config ?? {}), r.seed ?? 0, now(), JSON.stringify(r.tags ?? []), JSON.stringify(r.environment ?? {}))
    .lastInsertRowid;
  return getRun(db, Number(id));
}

export function getRun(db: Db, id: number): Run {
  const row = db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?').get(id);
  if (!row) throw new LabError('not_found', `run ${id} does not exist`);
  return toRun(row);
}

export function listRuns(db: Db, filter: { status?: RunStatus; taskSetId?: number } = {}): Run[] {
  return db
    .prepare<[{ status: string | null; taskSetId: number | null }], RunRow>(
      'SELECT * FROM runs WHERE (@status IS NULL OR status = @status) AND (@taskSetId IS NULL OR task_set_id = @taskSetId) ORDER BY id',
    )
    .all({ status: filter.status ?? null, taskSetId: filter.taskSetId ?? null })
    .map(toRun);
}

const FINISHED: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);
/** Nothing trains in these: the run's curves are packed (an interrupted run may resume, which unpacks them). */
const STOPPED: ReadonlySet<RunStatus> = new Set([...FINISHED, 'interrupted']);

/** Moves a run to a new status, stamping start and finish times. */
export function setRunStatus(
  db: Db,
  id: number,
  status: RunStatus,
  extra: { error?: string | null; backend?: string; environment?: Record<string, unknown> } = {},
): Run {
  // one IMMEDIATE transaction: the status and the packed curves change together, and waiting for another writer is allowed
  return writeTx(db, () => setRunStatusIn(db, id, status, extra));
}

function setRunStatusIn(db: Db, id: number, status: RunStatus, extra: { error?: string | null; backend?: string; environment?: Record<string, unknown> }): Run {
  const t = now();
  const res = db
    .prepare(
      `UPDATE runs SET status = ?, error = ?,
         started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
         finished_at = CASE WHEN ? THEN ? ELSE NULL END,
         backend = coalesce(?, backend), environment = coalesce(?, environment)
       WHERE id = ?`,
    )
    .run(status, extra.error ?? null, status, t, FINISHED.has(status) ? 1 : 0, t, extra.backend ?? null,
      extra.environment ? JSON.stringify(extra.environment) : null, id);
  if (res.changes === 0) throw new LabError('not_found', `run ${id} does not exist`);
  // a stopped run's curves are read packed from now on. Not a failed run's: packing writes,
  // and a run fails when the disk is full — its status must be stored in what space is left
  // (after a SQLITE_FULL SQLite may roll the whole transaction back); it stays in the log
  if (STOPPED.has(status) && status !== 'failed') sealRun(db, id);
  return getRun(db, id);
}

export function updateRunNotes(db: Db, id: number, patch: { notes?: string; tags?: string[] }): Run {
  const res = db
    .prepare('UPDATE runs SET notes = coalesce(?, notes), tags = coalesce(?, tags) WHERE id = ?')
    .run(patch.notes ?? null, patch.tags ? JSON.stringify(patch.tags) : null, id);
  if (res.changes === 0) throw new LabError('not_found', `run ${id} does not exist`);
  return getRun(db, id);
}

/**
 * Runs a killed app left queued or training cannot still be: mark them so the user can
 * resume them. A run whose owning process (recorded when it started) is still alive —
 * another door on the same database — is left alone.
 */
export function markInterrupted(db: Db): number {
  // a script's tracked run is running while the script says so: only the lab's own trainers can be orphaned
  const rows = db.prepare<[], { id: number; environment: string }>("SELECT id, environment FROM runs WHERE status IN ('running', 'queued') AND source = 'lab'").all();
  let n = 0;
  for (const r of rows) {
    const owner = (JSON.parse(r.environment) as { ownerPid?: number }).ownerPid;
    if (owner !== undefined && owner !== process.pid && alive(owner)) continue;
    setRunStatus(db, r.id, 'interrupted', { error: 'the lab stopped while this run was queued or training' });
    n++;
  }
  return n;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function deleteRun(db: Db, id: number): void {
  if (db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes === 0) throw new LabError('not_found', `run ${id} does not exist`);
}


/** Adds and removes tags on many runs in one transaction; returns how many runs changed. */
export function tagRuns(db: Db, ids: readonly number[], add: readonly string[], remove: readonly string[]): number {
  return writeTx(db, () => {
    const get = db.prepare<[number], { tags: string }>('SELECT tags FROM runs WHERE id = ?');
    const set = db.prepare('UPDATE runs SET tags = ? WHERE id = ?');
    let changed = 0;
    for (const id of ids) {
      const row = get.get(id);
      if (!row) throw new LabError('not_found', `run ${id} does not exist`);
      const before: string[] = JSON.parse(row.tags);
      const after = [...new Set([...before.filter((t) => !remove.includes(t)), ...add])];
      if (after.join('\u0000') === before.join('\u0000')) continue;
      set.run(JSON.stringify(after), id);
      changed++;
    }
    return changed;
  });
}

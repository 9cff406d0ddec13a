import { LabError } from '../api/errors';
import { type Db, now } from './db';

export type SolveStatus = 'optimal' | 'feasible' | 'infeasible' | 'error';

/** A solve as stored: everything needed to reproduce and to explain it. */
export interface SolveRecord {
  id: number;
  taskSetId: number;
  policy: string;
  params: Record<string, unknown>;
  inputs: unknown;
  status: SolveStatus;
  allocation: number[] | null;
  counts: number[] | null;
  objective: Record<string, number>;
  duals: Record<string, unknown>;
  explanation: string | null;
  /** the engine and its version; null for solves stored before migration 2 */
  engine: string | null;
  solverMs: number;
  createdAt: string;
}

type Row = {
  id: number; task_set_id: number; policy: string; params: string; inputs: string; status: SolveStatus;
  allocation: string | null; counts: string | null; objective: string; duals: string; explanation: string | null;
  engine: string | null; solver_ms: number; created_at: string;
};

const parse = (s: string | null) => (s === null ? null : JSON.parse(s));
const toSolve = (r: Row): SolveRecord => ({
  id: r.id, taskSetId: r.task_set_id, policy: r.policy, params: JSON.parse(r.params), inputs: JSON.parse(r.inputs),
  status: r.status, allocation: parse(r.allocation), counts: parse(r.counts), objective: JSON.parse(r.objective),
  duals: JSON.parse(r.duals), explanation: r.explanation, engine: r.engine, solverMs: r.solver_ms, createdAt: r.created_at,
});

export function saveSolve(db: Db, s: Omit<SolveRecord, 'id' | 'createdAt'>): SolveRecord {
  if (!db.prepare('SELECT 1 FROM task_sets WHERE id = ?').get(s.taskSetId))
    throw new LabError('not_found', `taskSetId: task set ${s.taskSetId} does not exist`);
  const id = db
    .prepare(
      `INSERT INTO solves (task_set_id, policy, params, inputs, status, allocation, counts, objective, duals, explanation, engine, solver_ms, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(s.taskSetId, s.policy, JSON.stringify(s.params), JSON.stringify(s.inputs), s.status,
      s.allocation ? JSON.stringify(s.allocation) : null, s.counts ? JSON.stringify(s.counts) : null,
      JSON.stringify(s.objective), JSON.stringify(s.duals), s.explanation, s.engine, s.solverMs, now()).lastInsertRowid;
  return getSolve(db, Number(id));
}

export function getSolve(db: Db, id: number): SolveRecord {
  const r = db.prepare<[number], Row>('SELECT * FROM solves WHERE id = ?').get(id);
  if (!r) throw new LabError('not_found', `solve ${id} does not exist`);
  return toSolve(r);
}

export function listSolves(db: Db, taskSetId: number): SolveRecord[] {
  return db.prepare<[number], Row>('SELECT * FROM solves WHERE task_set_id = ? ORDER BY id').all(taskSetId).map(toSolve);
}

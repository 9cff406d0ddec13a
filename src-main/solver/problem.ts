import { LabError } from '../api/errors';
import type { SolveParamsParsed, TaskSet } from '../api/schemas';

/** What every policy solves: tasks with costs, weights and bounds, and the budgets. */
export interface SolverTask {
  name: string;
  /** a_i attention, t_i time, w_i weight */
  a: number; t: number; w: number;
  /** l_i ≤ π_i ≤ u_i */
  lo: number; hi: number;
  /** n_i training examples, when the task has data */
  n: number | null;
}
export interface Problem {
  tasks: SolverTask[];
  budget: number;
  timeBudget: number | null;
  shareCap: number | null;
  /** N_i: units a full pass of task i is made of (batches, or `units` for synthetic tasks) */
  unitsPerTask: number[];
}

export function problemFromTaskSet(set: TaskSet, p: SolveParamsParsed): Problem {
  return checkProblem({
    tasks: set.tasks.map((t) => ({ name: t.name, a: t.attentionCost, t: t.timeCost, w: t.weight, lo: t.floor, hi: t.cap, n: t.examples })),
    budget: p.budget ?? set.budget,
    timeBudget: p.timeBudget === undefined ? set.timeBudget : p.timeBudget,
    shareCap: p.shareCap,
    unitsPerTask: set.tasks.map((t) => (t.examples ? Math.ceil(t.examples / p.batchSize) : p.units)),
  });
}

/** The solver's own guard: pure functions are called directly by tests and sweeps too. */
export function checkProblem(p: Problem): Problem {
  const bad = (field: string, why: string): never => { throw new LabError('invalid_input', `${field}: ${why}`); };
  if (!p.tasks.length) bad('tasks', 'the task set is empty');
  if (!(Number.isFinite(p.budget) && p.budget > 0)) bad('budget', `must be a finite number > 0 (got ${p.budget})`);
  if (p.timeBudget !== null && !(Number.isFinite(p.timeBudget) && p.timeBudget > 0)) bad('timeBudget', `must be a finite number > 0 (got ${p.timeBudget})`);
  if (p.shareCap !== null && !(p.shareCap > 0 && p.shareCap <= 1)) bad('shareCap', `must be in (0, 1] (got ${p.shareCap})`);
  const seen = new Set<string>();
  p.tasks.forEach((t, i) => {
    const f = `tasks[${i}] '${t.name}'`;
    if (seen.has(t.name)) bad(`${f}.name`, 'duplicate task name');
    seen.add(t.name);
    for (const [k, v] of [['attentionCost', t.a], ['timeCost', t.t], ['weight', t.w]] as const)
      if (!(Number.isFinite(v) && v >= 0)) bad(`${f}.${k}`, `must be a finite number ≥ 0 (got ${v})`);
    if (!(t.lo >= 0 && t.lo <= 1)) bad(`${f}.floor`, `must be in [0, 1] (got ${t.lo})`);
    if (!(t.hi >= 0 && t.hi <= 1)) bad(`${f}.cap`, `must be in [0, 1] (got ${t.hi})`);
    if (t.lo > t.hi) bad(`${f}.floor`, `floor ${t.lo} exceeds cap ${t.hi}`);
    if (t.n !== null && !(Number.isInteger(t.n) && t.n > 0)) bad(`${f}.examples`, `must be a whole number > 0 (got ${t.n})`);
  });
  return p;
}

export const dot = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
};
export const col = (p: Problem, k: 'a' | 't' | 'w' | 'lo' | 'hi'): number[] => p.tasks.map((t) => t[k]);
/** Relative slack for "this row binds": glpk works to about 1e-9. */
export const binds = (used: number, cap: number): boolean => used >= cap - 1e-7 * Math.max(1, Math.abs(cap));

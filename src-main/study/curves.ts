import { LabError } from '../api/errors';
import type { CurveFit, LearningCurve, SolveParamsParsed } from '../api/schemas';
import * as store from '../store';
import { fitLearningCurve, perEpoch } from './fit';

/**
 * Learning curves from runs: each task's validation accuracy against the examples it had
 * seen, epoch by epoch, pooled over the chosen runs of one task set (a pilot), fitted with
 * the study's power law. What the curve policy needs, stored so it can be reused.
 */
export function fitFromRuns(db: store.Db, runIds: number[], name?: string): Omit<CurveFit, 'id' | 'createdAt'> {
  const runs = [...new Set(runIds)].map((id) => store.getRun(db, id));
  const notDone = runs.filter((r) => r.status !== 'completed');
  if (notDone.length) throw new LabError('invalid_input', `only completed runs can be fitted: ${notDone.map((r) => `run ${r.id} is ${r.status}`).join(', ')}`);
  const sets = new Set(runs.map((r) => r.taskSetId));
  if (sets.size !== 1 || runs[0].taskSetId === null) throw new LabError('invalid_input', 'pick runs of one task set: a fit belongs to the tasks of one set');
  const set = store.getTaskSet(db, runs[0].taskSetId);
  const points = new Map<string, { n: number; acc: number; runId: number }[]>(set.tasks.map((t) => [t.name, []]));
  for (const r of runs) {
    const seen = new Map<string, number>(), acc: { task: string; epoch: number; value: number }[] = [];
    for (const p of store.readMetrics(db, r.id)) {
      if (p.metric === 'examples') seen.set(`${p.task}@${p.epoch}`, p.value);
      else if (p.metric === 'val.accuracy' && p.epoch > 0) acc.push(p);
    }
    for (const p of acc) points.get(p.task)?.push({ n: seen.get(`${p.task}@${p.epoch}`) ?? 0, acc: p.value, runId: r.id });
  }
  const tasks = set.tasks.map((t) => {
    const ps = points.get(t.name)!.filter((p) => p.n >= 1).sort((a, b) => a.n - b.n);
    const f = fitLearningCurve(ps);
    return { task: t.name, curve: f.curve, rmse: f.rmse, points: ps, fallback: f.fallback };
  });
  const ids = runs.map((r) => r.id);
  return { taskSetId: set.id, name: name?.trim() || `fit of run${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`, source: 'runs', runIds: ids, tasks };
}

/** Curves typed by hand: one per task of the set, nothing else. */
export function manualFit(db: store.Db, taskSetId: number, curves: Record<string, LearningCurve>, name?: string): Omit<CurveFit, 'id' | 'createdAt'> {
  const set = store.getTaskSet(db, taskSetId);
  const missing = set.tasks.filter((t) => !curves[t.name]).map((t) => t.name);
  if (missing.length) throw new LabError('invalid_input', `give α, β and γ for every task: missing ${missing.join(', ')}`);
  const unknown = Object.keys(curves).filter((k) => !set.tasks.some((t) => t.name === k));
  if (unknown.length) throw new LabError('invalid_input', `no task named ${unknown.join(', ')} in '${set.name}'`);
  return {
    taskSetId, name: name?.trim() || 'typed by hand', source: 'manual', runIds: [],
    tasks: set.tasks.map((t) => ({ task: t.name, curve: curves[t.name], rmse: null, points: [], fallback: null })),
  };
}

/**
 * The curves a solve reads: those passed, or a stored fit's, per epoch of a run of
 * `epochs` epochs (the solver counts examples per epoch; a fit counts them in all).
 */
export function curvesForSolve(db: store.Db, taskSetId: number, params: SolveParamsParsed): Record<string, LearningCurve> | undefined {
  if (params.curveFitId === undefined) return params.curves;
  const fit = store.getCurveFit(db, params.curveFitId);
  if (fit.taskSetId !== taskSetId) throw new LabError('invalid_input', `the learning curves '${fit.name}' belong to another task set`);
  return Object.fromEntries(fit.tasks.map((t) => [t.task, perEpoch(t.curve, params.epochs ?? 1)]));
}

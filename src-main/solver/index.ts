/**
 * The allocation solver: pure functions from a problem and a policy to π.
 * No I/O; the Lab persists what it returns.
 */
import type { Allocation, PolicyName, SolveParamsParsed, Sweep } from '../api/schemas';
import { curveAllocation } from './curve';
import { dp } from './dp';
import { explainInfeasible, leastFeasibleBudget } from './explain';
import { heuristic } from './heuristics';
import { engineName } from './engine';
import { lexicographicLp } from './lp';
import { milp } from './milp';
import { binds, checkProblem, col, dot, type Problem } from './problem';

export { checkProblem, problemFromTaskSet, type Problem, type SolverTask } from './problem';
export { accuracyAt } from './curve';
export { leastFeasibleBudget } from './explain';

export const POLICIES: Record<PolicyName, string> = {
  uniform: 'π_i equal, scaled to fit the budget',
  size: 'π_i ∝ n_i (examples in the task), scaled to fit',
  temperature: 'π_i ∝ n_i^(1/T), scaled to fit',
  'seed-formula': "the seed's closed form π_i = a_i w_i / (A W), W the mean weight (as in the seed's printed example)",
  lp: 'LP: max Σ w_i π_i, then the least attention at that value',
  milp: 'the LP with whole batch counts c_i',
  dp: 'exact dynamic programme over whole counts (cross-checks milp)',
  curve: 'max Σ w_i acc_i(π_i n_i) over concave learning curves',
};

export async function solveAllocation(p: Problem, params: SolveParamsParsed): Promise<Allocation> {
  checkProblem(p);
  const t0 = performance.now();
  const { policy } = params;
  const r = await allocate(p, params);
  const names = p.tasks.map((t) => t.name);
  const engine = await engineName(policy);
  if (!r.pi) {
    const why = await explainInfeasible(p, r.floorsForExplain);
    return {
      policy, status: 'infeasible', tasks: names, pi: [], counts: [], unitsPerTask: p.unitsPerTask,
      objective: { value: 0, attention: 0, time: 0 }, duals: { attention: null, time: null }, binding: [],
      explanation: why?.explanation ?? 'the solver found no feasible allocation', leastBudget: why?.leastBudget ?? null,
      notes: r.notes, engine, solverMs: performance.now() - t0,
    };
  }
  const { pi, predicted } = r;
  const attention = dot(col(p, 'a'), pi), time = dot(col(p, 't'), pi);
  const w = col(p, 'w');
  const W = w.reduce((s, v) => s + v, 0);
  return {
    policy,
    status: r.provenOptimal && ['lp', 'milp', 'dp', 'curve'].includes(policy) ? 'optimal' : 'feasible',
    tasks: names,
    pi,
    counts: r.counts ?? pi.map((v, i) => v * p.unitsPerTask[i]),
    unitsPerTask: p.unitsPerTask,
    objective: { value: dot(w, pi), attention, time, ...(predicted ? { predictedAccuracy: W > 0 ? dot(w, predicted) / W : 0 } : {}) },
    duals: r.duals,
    binding: bindingRows(p, policy, pi, attention, time),
    explanation: null,
    leastBudget: null,
    notes: r.notes,
    engine,
    solverMs: performance.now() - t0,
  };
}

interface Allocated {
  /** null: infeasible */
  pi: number[] | null;
  duals: Allocation['duals'];
  /** the curve policy's predicted accuracy per task */
  predicted?: number[];
  notes: string[];
  /** the integer policies' floors, rounded up to whole units, for explaining an infeasible problem */
  floorsForExplain?: number[];
  /** false when milp stopped at its time limit with its best counts so far */
  provenOptimal: boolean;
  /** milp's and dp's whole counts, as solved: c/N·N can come back 28.999999999999996 */
  counts?: number[];
}

/** π by the policy's own method: a programme (lp, milp, dp, curve) or a rule (the heuristics). */
async function allocate(p: Problem, params: SolveParamsParsed): Promise<Allocated> {
  const { policy } = params;
  const r: Allocated = { pi: null, duals: { attention: null, time: null }, notes: [], provenOptimal: true };
  switch (policy) {
    case 'lp': {
      const s = await lexicographicLp(p);
      if (s) ({ pi: r.pi, duals: r.duals } = s);
      break;
    }
    case 'milp':
    case 'dp': {
      const N = p.unitsPerTask;
      const s = policy === 'milp' ? await milp(p, params.timeLimit) : dp(p);
      if (s) {
        r.counts = s.counts;
        r.pi = s.counts.map((c, i) => c / N[i]);
        r.provenOptimal = s.status === 'optimal';
        if (s.note) r.notes.push(s.note);
      }
      r.floorsForExplain = p.tasks.map((t, i) => Math.ceil(t.lo * N[i] - 1e-9) / N[i]);
      break;
    }
    case 'curve': {
      const s = await curveAllocation(p, params.curves);
      if (s) ({ pi: r.pi, duals: r.duals, predicted: r.predicted } = s);
      // Flat curves predict the same accuracy for any π: the LP stops at the floors and
      // trains nothing. Spend the budget as lp would (max Σ w·π), and say so.
      if (s && p.tasks.every((t) => params.curves![t.name].beta === 0)) {
        const l = await lexicographicLp(p);
        if (l) ({ pi: r.pi, duals: r.duals } = l);
        r.notes.push("every task's learning curve is flat (the pilot's accuracy did not rise with examples), so no allocation predicts more than another: this is the lp allocation (max Σ w·π), which spends the budget");
      }
      break;
    }
    default: {
      if (p.shareCap !== null) r.notes.push('the share cap applies to lp and milp; this policy ignores it');
      const f = heuristic(p, policy, params.temperature);
      if (f) {
        r.pi = f.pi;
        r.notes.push(...f.notes);
      }
    }
  }
  return r;
}

/** The rows an allocation meets with equality: the budgets, and (lp, milp) each task's share cap. */
function bindingRows(p: Problem, policy: PolicyName, pi: number[], attention: number, time: number): string[] {
  const total = pi.reduce((s, v) => s + v, 0);
  return [
    ...(binds(attention, p.budget) ? ['attention'] : []),
    ...(p.timeBudget !== null && binds(time, p.timeBudget) ? ['time'] : []),
    ...(p.shareCap !== null && ['lp', 'milp'].includes(policy) ? p.tasks.filter((_, i) => binds(pi[i], p.shareCap! * total)).map((t) => `share:${t.name}`) : []),
  ];
}

/** Value against attention over `points` budgets, from the least feasible to every task at its cap. */
export async function sweep(p: Problem, params: SolveParamsParsed, points: number): Promise<Sweep> {
  const least = await leastFeasibleBudget(p);
  const total = dot(col(p, 'a'), col(p, 'hi'));
  const names = p.tasks.map((t) => t.name);
  if (least === null) return { policy: params.policy, tasks: names, points: [], totalAttention: total, leastBudget: NaN };
  const lo = Math.max(least, total * 1e-6);
  const out: Sweep['points'] = [];
  for (let k = 0; k < points; k++) {
    const budget = points === 1 ? total : lo + ((total - lo) * k) / (points - 1);
    const s = await solveAllocation({ ...p, budget }, params);
    out.push({ budget, status: s.status, value: s.objective.value, attention: s.objective.attention, dual: s.duals.attention, pi: s.pi, ...(s.objective.predictedAccuracy !== undefined ? { predictedAccuracy: s.objective.predictedAccuracy } : {}) });
  }
  return { policy: params.policy, tasks: names, points: out, totalAttention: total, leastBudget: least };
}

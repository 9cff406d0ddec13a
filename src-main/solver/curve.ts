import { LabError } from '../api/errors';
import type { LearningCurve } from '../api/schemas';
import { solveDirect } from './glpk';
import type { SparseRow } from './model';
import { budgetRows } from './lp';
import type { Problem } from './problem';

/** acc(x) = α − β·x^(−γ) for x examples seen (x ≥ 1), and its slope. */
export const accuracyAt = (c: LearningCurve, x: number) => c.alpha - c.beta * Math.max(1, x) ** -c.gamma;
const slopeAt = (c: LearningCurve, x: number) => c.beta * c.gamma * Math.max(1, x) ** (-c.gamma - 1);

export interface CurveSolution { pi: number[]; predicted: number[]; duals: { attention: number; time: number | null } }

/**
 * Maximise Σ w_i acc_i(π_i n_i) under the budgets. Each concave curve is the minimum
 * of its tangent lines, so z_i ≤ tangent_k(π_i n_i) for a set of tangent points makes a
 * linear programme; tangents are added where the solution lands until z_i meets the
 * curve (Kelley's cutting planes), so the optimum is exact to 1e-9. The dual of the
 * attention row is the marginal weighted accuracy per attention unit.
 */
export async function curveAllocation(p: Problem, curves: Record<string, LearningCurve> | undefined): Promise<CurveSolution | null> {
  const n = p.tasks.length;
  const fits = p.tasks.map((t, i) => {
    const c = curves?.[t.name];
    if (!c) throw new LabError('invalid_input', `curves: the curve policy needs a learning curve for task '${t.name}' (tasks[${i}]); fit one from a pilot run or pass { alpha, beta, gamma }`);
    return c;
  });
  // x_i = π_i · size_i examples per epoch (units for tasks without data).
  const size = p.tasks.map((t, i) => t.n ?? p.unitsPerTask[i]);
  const tangents: number[][] = p.tasks.map((t, i) => {
    const [x0, x1] = [Math.max(1, t.lo * size[i]), Math.max(1, t.hi * size[i])];
    return Array.from({ length: 16 }, (_, k) => x0 * (x1 / x0) ** (k / 15));
  });
  const w = p.tasks.map((t) => t.w);
  const rows = budgetRows(p).map((r) => ({ ...r, coef: [...r.coef, ...new Array(n).fill(0)] }));
  for (let round = 0; ; round++) {
    // Columns: π_0..π_{n-1}, then z_0..z_{n-1}. z_i − slope·size_i·π_i ≤ f(x_k) − slope·x_k.
    const cuts: SparseRow[] = [];
    tangents.forEach((xs, i) => xs.forEach((x, k) => {
      const s = slopeAt(fits[i], x);
      cuts.push({ name: `cut:${i}:${k}`, terms: [[n + i, 1], [i, -s * size[i]]], sense: '<=', rhs: accuracyAt(fits[i], x) - s * x });
    }));
    const r = await solveDirect({
      c: [...new Array(n).fill(0), ...w],
      lo: [...p.tasks.map((t) => t.lo), ...new Array(n).fill(-1e6)],
      hi: [...p.tasks.map((t) => t.hi), ...new Array(n).fill(1e6)],
      rows,
      sparse: cuts,
    });
    if (r.status !== 'optimal') return null;
    const pi = Array.from(r.x.subarray(0, n), (v, i) => Math.min(p.tasks[i].hi, Math.max(p.tasks[i].lo, v)));
    const predicted = pi.map((v, i) => accuracyAt(fits[i], v * size[i]));
    let gap = 0;
    pi.forEach((v, i) => {
      const over = r.x[n + i] - predicted[i];
      gap = Math.max(gap, over);
      if (over > 1e-10) tangents[i].push(Math.max(1, v * size[i]));
    });
    if (gap <= 1e-9 || round === 40)
      return { pi, predicted, duals: { attention: r.duals.attention ?? 0, time: p.timeBudget !== null ? r.duals.time ?? 0 : null } };
  }
}

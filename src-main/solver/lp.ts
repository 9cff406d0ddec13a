import { solveLp } from './glpk';
import { columnScales, merge, reducedCosts, restrictFixed, type BoundedLp, type LpResult } from './model';
import { shareModel } from './explain';
import { col, dot, type Problem } from './problem';

export interface LpSolution { pi: number[]; value: number; duals: { attention: number; time: number | null }; rounds: number }

/** The model's dense rows: attention ≤ A, and time ≤ T when there is a time budget. */
export function budgetRows(p: Problem) {
  return [
    { name: 'attention', coef: col(p, 'a'), sense: '<=' as const, rhs: p.budget },
    ...(p.timeBudget !== null ? [{ name: 'time', coef: col(p, 't'), sense: '<=' as const, rhs: p.timeBudget }] : []),
  ];
}

/**
 * Lexicographic LP: maximise weighted work Σ w_i π_i; then, holding that value,
 * minimise attention Σ a_i π_i (so ties never waste budget). Duals come from the
 * first solve: the value of one more unit of attention (or second of time).
 */
export async function lexicographicLp(p: Problem, solve: (m: BoundedLp) => Promise<LpResult> = solveLp): Promise<LpSolution | null> {
  const w = col(p, 'w'), a = col(p, 'a');
  const rows = budgetRows(p);
  const first = await solve({ ...shareModel(p, w), rows });
  if (first.status !== 'optimal') return null;
  const value = first.z;
  // Second pass: min attention s.t. value ≥ V* (less 1e-12 of it: float noise in the weights must not
  // buy attention). Kept only if it really holds the value.
  const second = await onOptimalFace({ ...shareModel(p, a.map((x) => -x)), rows: [...rows, { name: 'value', coef: w, sense: '>=', rhs: value - 1e-12 * Math.abs(value) }] }, w, first, solve);
  const keeps = second.status === 'optimal' && dot(w, second.x) >= dot(w, first.x) - 1e-12 * Math.max(1, Math.abs(value));
  const x = keeps ? second.x : first.x;
  const pi = Array.from(x.subarray(0, p.tasks.length), (v, i) => clampTo(v, p.tasks[i].lo, p.tasks[i].hi));
  // glpk accepts rows violated within its tolerance (1e-7 of the scaled row); the lab promises
  // budgets that hold. Floors over a budget by any real amount mean infeasible; a point a hair
  // over is pulled toward the floors until every row holds exactly.
  const lo = p.tasks.map((t) => t.lo);
  let lambda = 1;
  for (const r of rows) {
    const atFloors = dot(r.coef, lo), used = dot(r.coef, pi);
    if (atFloors - r.rhs > 1e-12 * Math.max(Math.abs(r.rhs), r.coef.reduce((s, c, i) => s + Math.abs(c * lo[i]), 0))) return null;
    if (used > r.rhs && used > atFloors) lambda = Math.min(lambda, Math.max(0, (r.rhs - atFloors) / (used - atFloors)));
  }
  if (lambda < 1) pi.forEach((v, i) => (pi[i] = lo[i] + lambda * (v - lo[i])));
  return {
    pi,
    value,
    duals: { attention: first.duals.attention ?? 0, time: p.timeBudget !== null ? first.duals.time ?? 0 : null },
    rounds: first.rounds + second.rounds,
  };
}

/**
 * Solve `p` over the optimal face of the first pass. By complementary slackness every
 * optimal π has π_i = u_i where the first pass's reduced cost is > 0 and π_i = l_i where
 * it is < 0, so only the columns with reduced cost 0 (the ties) remain to choose; at
 * n = 10,000 that turns a second LP of the full size into one of a handful of columns.
 */
async function onOptimalFace(p: BoundedLp, firstC: number[], first: LpResult, solve: (m: BoundedLp) => Promise<LpResult>): Promise<LpResult> {
  if (p.sparse?.length || p.extraCols) return solve(p); // share caps: duals of those rows too; solve whole
  const firstLp = { ...p, c: firstC, rows: p.rows.filter((r) => r.name in first.duals) };
  const rc = reducedCosts(firstLp, first.duals), sc = columnScales(firstLp, first.duals);
  const idx: number[] = [];
  const fixedAt = new Float64Array(p.c.length);
  // A tie is a reduced cost within 1e-9 of its column's scale, or negligible beside the largest weight.
  const floor = 1e-12 * firstC.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < p.c.length; i++) {
    const tol = Math.max(1e-9 * sc[i], floor);
    if (rc[i] > tol) fixedAt[i] = p.hi[i];
    else if (rc[i] < -tol) fixedAt[i] = p.lo[i];
    else idx.push(i);
  }
  const r = await solve(restrictFixed(p, idx, fixedAt));
  const x = merge(fixedAt, idx, r.x);
  return { ...r, x, z: dot(Array.from(p.c), Array.from(x)) };
}

/** glpk's values can stray ~1e-12 outside a bound; the user should never see π = 1.0000000000002. */
const clampTo = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

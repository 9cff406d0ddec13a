import { solveLp, type LpResult } from './glpk';
import { explainInfeasible, shareModel } from './explain';
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
export async function lexicographicLp(p: Problem): Promise<LpSolution | null> {
  const w = col(p, 'w'), a = col(p, 'a');
  const rows = budgetRows(p);
  const first = await solveLp({ ...shareModel(p, w), rows });
  if (first.status !== 'optimal') return null;
  const value = first.z;
  // Second pass: min attention s.t. value ≥ V*. Kept only if it really holds the value.
  const second: LpResult = await solveLp({ ...shareModel(p, a.map((x) => -x)), rows: [...rows, { name: 'value', coef: w, sense: '>=', rhs: value }] });
  const keeps = second.status === 'optimal' && dot(w, second.x) >= dot(w, first.x) - 1e-12 * Math.max(1, Math.abs(value));
  const x = keeps ? second.x : first.x;
  return {
    pi: Array.from(x.subarray(0, p.tasks.length), (v, i) => clampTo(v, p.tasks[i].lo, p.tasks[i].hi)),
    value,
    duals: { attention: first.duals.attention ?? 0, time: p.timeBudget !== null ? first.duals.time ?? 0 : null },
    rounds: first.rounds + second.rounds,
  };
}

/** glpk's values can stray ~1e-12 outside a bound; the user should never see π = 1.0000000000002. */
const clampTo = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export interface MilpSolution { counts: number[]; value: number }

/**
 * Integer counts c_i ∈ [⌈l_i N_i⌉, ⌊u_i N_i⌋] of units (batches), π_i = c_i / N_i,
 * with the same rows: maximise Σ w_i c_i / N_i, then the least attention at that value.
 */
export async function milp(p: Problem): Promise<MilpSolution | null> {
  const N = p.unitsPerTask;
  const lo = p.tasks.map((t, i) => Math.ceil(t.lo * N[i] - 1e-9));
  const hi = p.tasks.map((t, i) => Math.floor(t.hi * N[i] + 1e-9));
  const perUnit = (k: 'w' | 'a' | 't') => p.tasks.map((t, i) => t[k] / N[i]);
  const rows = [
    { name: 'attention', coef: perUnit('a'), sense: '<=' as const, rhs: p.budget },
    ...(p.timeBudget !== null ? [{ name: 'time', coef: perUnit('t'), sense: '<=' as const, rhs: p.timeBudget }] : []),
  ];
  const model = (c: number[]) => {
    const m = shareModel(p, c);
    // Share rows hold for π = c/N: c_i/N_i ≤ s·Σ c_j/N_j.
    return { ...m, lo, hi, rows, integer: true, sparse: m.sparse?.map((r) => ({ ...r, terms: r.terms.map(([j, v]) => [j, j < N.length ? v / N[j] : v] as [number, number]) })) };
  };
  const first = await solveLp(model(perUnit('w')));
  if (first.status !== 'optimal') return null;
  const wUnit = perUnit('w');
  const second = await solveLp({ ...model(perUnit('a').map((x) => -x)), rows: [...rows, { name: 'value', coef: wUnit, sense: '>=', rhs: first.z - 1e-9 * Math.max(1, Math.abs(first.z)) }] });
  const round = (x: Float64Array) => Array.from(x.subarray(0, N.length), Math.round);
  // Whole counts make values discrete: the second pass keeps the first's value exactly or is dropped.
  const keeps = second.status === 'optimal' && dot(wUnit, round(second.x)) >= dot(wUnit, round(first.x)) - 1e-12;
  return { counts: round(keeps ? second.x : first.x), value: first.z };
}

export { explainInfeasible };

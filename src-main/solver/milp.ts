import { LabError } from '../api/errors';
import { HIGHS, type Engine } from './engine';
import { shareModel } from './explain';
import { merge, reducedCosts, restrictFixed, type BoundedLp, type DenseRow } from './model';
import { col, dot, type Problem } from './problem';

export interface MilpSolution {
  counts: number[];
  value: number;
  /** `feasible`: stopped at the time limit (or mended over a budget), the best counts found, not proven optimal */
  status: 'optimal' | 'feasible';
  /** what the user should know about how these counts were reached, if anything */
  note?: string;
}

/**
 * Integer counts c_i ∈ [⌈l_i N_i⌉, ⌊u_i N_i⌋] of units (batches), π_i = c_i / N_i,
 * with the same rows: maximise Σ w_i c_i / N_i, then the least attention at that value.
 * Every row holds exactly for π = c / N, not just within the engine's tolerance.
 */
export async function milp(p: Problem, timeLimitS = 10, engine: Engine = HIGHS): Promise<MilpSolution | null> {
  const deadline = performance.now() + timeLimitS * 1000;
  const left = () => Math.max(1e-3, (deadline - performance.now()) / 1000);
  const N = p.unitsPerTask;
  const wUnit = perUnit(p, 'w');
  const rows = countRows(p);
  const { lo, hi } = countBounds(p);
  // Whole counts, inside their bounds (and never -0).
  const counts = (x: Float64Array) => Array.from(x.subarray(0, N.length), (v, i) => Math.min(hi[i], Math.max(lo[i], Math.round(v))));

  // First pass: the most value. A point the engine accepts within its tolerance but that
  // breaks a row in the lab's arithmetic is solved again with that row tightened.
  let tight = rows;
  for (let attempt = 0; ; attempt++) {
    const first = await engine.solve({ ...countModel(p, tight), timeLimitS: left() });
    if (first.status === 'undefined') throw new LabError('timeout', `milp found no integer allocation within its ${timeLimitS} s time limit (${N.length} tasks): raise timeLimit, or use lp or dp`);
    if (first.status !== 'optimal' && first.status !== 'feasible') return null;
    const c1 = counts(first.x);
    const over = breaks(p, c1.map((v, i) => v / N[i]));
    if (over.length && (first.status === 'feasible' || attempt === 5 || over.includes('share'))) {
      // Not proven optimal anyway, or the engine keeps landing over: give back units until every row holds.
      const shed = shedUntilHolds(p, c1);
      return shed && { counts: shed, value: dot(wUnit, shed), status: 'feasible', note: `${limitNote(first.status)}the engine's counts broke ${over.join(' and ')} within its tolerance; units were given back until every row holds, so they are not proven optimal` };
    }
    if (over.length) {
      tight = tight.map((r, k) => {
        const used = dot(k === 0 ? col(p, 'a') : col(p, 't'), c1.map((v, i) => v / N[i]));
        // Ten times the overshoot, then a hundred …: past the engine's tolerance in a few solves.
        return used > r.rhs ? { ...r, rhs: r.rhs - 10 ** (attempt + 1) * (used - r.rhs) } : r;
      });
      continue;
    }
    const value = dot(wUnit, c1);
    if (first.status === 'feasible') return { counts: c1, value, status: 'feasible', note: `${limitNote(first.status)}these counts are the best found, not proven optimal (raise timeLimit, or use lp)` };
    // Second pass: the least attention among counts worth `value`, over the columns that can still move.
    const second = await leastAttention(p, engine, tight, wUnit, value, left);
    const c2 = second && counts(second);
    // Whole counts make values discrete: the second pass keeps the first's value exactly or is dropped.
    const keeps = !!c2 && !breaks(p, c2.map((v, i) => v / N[i])).length && dot(wUnit, c2) >= value - 1e-12 * Math.max(1, Math.abs(value)) && dot(perUnit(p, 'a'), c2) <= dot(perUnit(p, 'a'), c1);
    return keeps
      ? { counts: c2, value, status: 'optimal' }
      : { counts: c1, value, status: 'optimal', note: 'the least-attention pass ran out of time (or could not hold the value exactly): these counts are optimal in value but may not spend the least attention' };
  }

  function limitNote(status: string) {
    return status === 'feasible' ? `milp stopped at its ${timeLimitS} s time limit: ` : '';
  }
}

/** A task's w, a or t per unit (batch): what one more count of it is worth or costs. */
const perUnit = (p: Problem, k: 'w' | 'a' | 't') => p.tasks.map((t, i) => t[k] / p.unitsPerTask[i]);

/** Attention ≤ A (and time ≤ T) over whole counts: coefficients per unit. */
function countRows(p: Problem): DenseRow[] {
  return [
    { name: 'attention', coef: perUnit(p, 'a'), sense: '<=', rhs: p.budget },
    ...(p.timeBudget !== null ? [{ name: 'time', coef: perUnit(p, 't'), sense: '<=' as const, rhs: p.timeBudget }] : []),
  ];
}

/** c_i ∈ [⌈l_i N_i⌉, ⌊u_i N_i⌋]. */
function countBounds(p: Problem) {
  const N = p.unitsPerTask;
  return {
    lo: p.tasks.map((t, i) => Math.max(0, Math.ceil(t.lo * N[i] - 1e-9))), // max: never -0
    hi: p.tasks.map((t, i) => Math.floor(t.hi * N[i] + 1e-9)),
  };
}

/** The whole-count model: counts within their bounds, the rows per unit, objective `c` per unit (default the value, Σ w_i c_i / N_i). */
export function countModel(p: Problem, rows: DenseRow[] = countRows(p), c: number[] = perUnit(p, 'w')): BoundedLp & { lo: number[]; hi: number[] } {
  const N = p.unitsPerTask;
  const { lo, hi } = countBounds(p);
  const m = shareModel(p, c);
  // Share rows hold for π = c/N: c_i/N_i ≤ s·Σ c_j/N_j.
  return { ...m, lo, hi, rows, integer: true, sparse: m.sparse?.map((r) => ({ ...r, terms: r.terms.map(([j, v]) => [j, j < N.length ? v / N[j] : v] as [number, number]) })) };
}

/**
 * min attention s.t. value ≥ V*, as a MIP over the columns that can move. For any y ≥ 0 and
 * any feasible x, Σ w x = L(y) − y·slack − Σ_i |rc_i|·(distance of x_i from the bound rc_i
 * favours), with L(y) the Lagrangian bound. A count worth ≥ V* can therefore move a column only
 * if its |rc_i| ≤ L(y) − V*: with the LP relaxation's duals that fixes all but a few columns.
 * Share caps (sparse rows) skip the fixing and solve the whole second model.
 */
async function leastAttention(p: Problem, engine: Engine, rows: DenseRow[], w: number[], value: number, left: () => number): Promise<Float64Array | null> {
  const a = rows[0].coef;
  const negA = Array.from(a, (v) => -v);
  const withValue = (m: BoundedLp): BoundedLp => ({ ...m, rows: [...m.rows, { name: 'value', coef: w, sense: '>=', rhs: value - 1e-12 * Math.max(1, Math.abs(value)) }] });
  const full = countModel(p, rows, negA);
  if (full.sparse?.length) {
    const r = await engine.solve({ ...withValue(full), timeLimitS: left() });
    return r.status === 'optimal' ? r.x : null;
  }
  const relax = await engine.solve({ ...countModel(p, rows, w), integer: false });
  if (relax.status !== 'optimal') return null;
  const y = Object.fromEntries(rows.map((r) => [r.name, Math.max(0, relax.duals[r.name] ?? 0)]));
  const rc = reducedCosts({ ...full, c: w }, y);
  let bound = rows.reduce((s, r) => s + y[r.name] * r.rhs, 0);
  rc.forEach((r, i) => (bound += Math.max(r * full.hi[i], r * full.lo[i])));
  const gap = bound - value + 1e-9 * Math.max(1, Math.abs(bound));
  const idx: number[] = [];
  const fixedAt = new Float64Array(w.length);
  rc.forEach((r, i) => {
    if (r > gap) fixedAt[i] = full.hi[i];
    else if (r < -gap) fixedAt[i] = full.lo[i];
    else idx.push(i);
  });
  const sub = restrictFixed(withValue(full), idx, fixedAt);
  const r = await engine.solve({ ...sub, timeLimitS: left() });
  return r.status === 'optimal' ? merge(fixedAt, idx, r.x) : null;
}

/**
 * The rows π breaks, computed as the lab reports attention and time. "Exact" is to the
 * rounding of that sum (1e-12 of it), far below any engine's tolerance (1e-9 … 1e-7).
 */
export function breaks(p: Problem, pi: number[]): string[] {
  const over = (used: number, cap: number) => used > cap + 1e-12 * Math.max(Math.abs(cap), Math.abs(used));
  const out: string[] = [];
  if (over(dot(col(p, 'a'), pi), p.budget)) out.push('attention');
  if (p.timeBudget !== null && over(dot(col(p, 't'), pi), p.timeBudget)) out.push('time');
  if (p.shareCap !== null) {
    const total = pi.reduce((s, v) => s + v, 0);
    if (pi.some((v) => over(v, p.shareCap! * total))) out.push('share');
  }
  return out;
}

/**
 * Counts over a row (a time-limited answer, or an engine that keeps landing over): give back,
 * one at a time, the unit worth least per unit of what it frees of the broken rows (attention,
 * time, or a share over the cap, which only the task over it can free), until every row holds.
 * Null when only floors are left to give.
 */
function shedUntilHolds(p: Problem, c: number[]): number[] | null {
  const N = p.unitsPerTask, { lo } = countBounds(p);
  const out = [...c];
  for (;;) {
    const pi = out.map((v, k) => v / N[k]);
    const over = breaks(p, pi);
    if (!over.length) return out;
    const cap = (p.shareCap ?? 1) * pi.reduce((s, v) => s + v, 0);
    const frees = (i: number) => (over.includes('attention') ? p.tasks[i].a : 0) + (over.includes('time') ? p.tasks[i].t : 0) + (over.includes('share') && pi[i] > cap ? 1 : 0);
    let give = -1;
    for (let i = 0; i < out.length; i++)
      if (out[i] > lo[i] && frees(i) > 0 && (give < 0 || p.tasks[i].w / frees(i) < p.tasks[give].w / frees(give))) give = i;
    if (give < 0) return null;
    out[give]--;
  }
}

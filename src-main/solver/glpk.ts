import GLPK from 'glpk.js/node';
import { LabError } from '../api/errors';
import { columnScales, emptyRowHolds, merge, normalise, reducedCosts, restrictFixed, scaledRows, type BoundedLp, type LpResult } from './model';

/** The glpk.js engine (GLPK compiled to wasm): direct solves, and sifting for large LPs. Duals come with every LP. */
type Glpk = Awaited<ReturnType<typeof GLPK>>;
let instance: Promise<Glpk> | undefined;
export const glpk = (): Promise<Glpk> => (instance ??= GLPK());

const STATUS: Record<number, LpResult['status']> = { 1: 'undefined', 2: 'feasible', 3: 'infeasible', 4: 'infeasible', 5: 'optimal', 6: 'unbounded' };

/**
 * One direct glpk solve of the whole model. Rows and the objective are scaled to a largest
 * coefficient of 1 first, and entries below 1e-15 of that dropped: glpk's own scaling aborts
 * the wasm module on denormal coefficients (api/prob4.c, "invalid scale factor"), and a row
 * left with no entries is checked here instead of in glpk, which refuses it the same way.
 */
export async function solveDirect(p: BoundedLp): Promise<LpResult> {
  const g = await glpk();
  const n = p.c.length;
  const extra = p.extraCols ?? 0;
  const names = Array.from({ length: n + extra }, (_, i) => `x${i}`);

  const scaled = scaledRows(p);
  const subjectTo = [];
  for (const r of scaled) {
    if (r.terms.length) {
      subjectTo.push({ name: r.name, vars: r.terms.map(([j, coef]) => ({ name: names[j], coef })), bnds: rowBounds(g, r.sense, r.rhs) });
      continue;
    }
    // 0 ≤ / ≥ / = rhs decides feasibility alone; such a row's dual is 0.
    if (!emptyRowHolds(r)) return { status: 'infeasible', x: new Float64Array(n + extra), z: 0, duals: {}, rounds: 1 };
  }
  if (n + extra === 0) return { status: 'optimal', x: new Float64Array(0), z: 0, duals: {}, rounds: 0 }; // glpk refuses a model with no columns
  const obj = normalise(Array.from({ length: n }, (_, i) => [i, p.c[i]] as [number, number]), { rhs: 0 });
  const objCoef = new Float64Array(n + extra);
  for (const [j, v] of obj.terms) objCoef[j] = v;
  const bounds = names.map((name, i) =>
    i >= n ? { name, type: g.GLP_FR, lb: 0, ub: 0 } : { name, type: p.lo[i] === p.hi[i] ? g.GLP_FX : g.GLP_DB, lb: p.lo[i], ub: p.hi[i] },
  );
  let res;
  try {
    res = g.solve(
      {
        name: 'allocation',
        objective: { direction: g.GLP_MAX, name: 'value', vars: names.map((name, i) => ({ name, coef: objCoef[i] })) },
        subjectTo,
        bounds,
        ...(p.integer ? { generals: names.slice(0, n) } : {}),
      },
      { msglev: g.GLP_MSG_OFF, presol: !!p.integer, ...(p.integer && p.timeLimitS ? { tmlim: p.timeLimitS } : {}) },
    );
  } catch (e) {
    instance = undefined; // a glpk abort leaves the wasm module unusable: start a fresh one next time
    throw new LabError('internal', `glpk failed on a model with ${n} columns and ${subjectTo.length} rows: ${(e as Error).message}`);
  }
  const x = new Float64Array(n + extra);
  names.forEach((name, i) => (x[i] = res.result.vars[name] ?? 0));
  const duals: Record<string, number> = {};
  for (const r of scaled) duals[r.name] = ((res.result.dual ?? {})[r.name] ?? 0) * (obj.scale / r.scale);
  return { status: STATUS[res.result.status] ?? 'undefined', x, z: res.result.z * obj.scale, duals, rounds: 1 };
}

const rowBounds = (g: Glpk, sense: string, rhs: number) =>
  sense === '<=' ? { type: g.GLP_UP, ub: rhs, lb: 0 } : sense === '>=' ? { type: g.GLP_LO, lb: rhs, ub: 0 } : { type: g.GLP_FX, lb: rhs, ub: rhs };

/** Below this many columns glpk is fast enough on its own. */
const SIFT_FROM = 1500;

/**
 * Exact LP by sifting: glpk's primal simplex walks every column from its lower bound,
 * O(n²) for n columns (≈ 450 ms at n = 10,000 here). With few dense rows only a few
 * columns sit strictly between their bounds at the optimum, so: estimate the row duals
 * on a sample, solve glpk over the columns whose reduced cost is nearest zero with the
 * rest fixed at the bound their reduced cost asks for, then price every fixed column
 * against the new duals and bring in the worst offenders. When none is left the duals
 * certify the whole LP optimal.
 */
export async function solveLp(p: BoundedLp): Promise<LpResult> {
  const n = p.c.length;
  if (n < SIFT_FROM || p.integer || p.sparse?.length || p.extraCols) return solveDirect(p);

  // 1. Dual estimate from a stratified sample, its right-hand sides scaled to the sample's share.
  const stride = Math.ceil(n / 400);
  const sample = Array.from({ length: Math.ceil(n / stride) }, (_, k) => k * stride);
  const est = await solveDirect(restrict(p, sample, sample.length / n));
  const duals = est.status === 'optimal' ? est.duals : Object.fromEntries(p.rows.map((r) => [r.name, 0]));

  // 2. The `width` columns with reduced cost nearest zero (the contested ones) start free.
  const free = new Uint8Array(n);
  const width = 200;
  let rc = reducedCosts(p, duals);
  const scale = columnScales(p, duals);
  const byClosest = Array.from({ length: n }, (_, i) => i);
  const key = Float64Array.from(rc, (v, i) => Math.abs(v) / scale[i]);
  byClosest.sort((i, j) => key[i] - key[j]);
  byClosest.slice(0, width).forEach((i) => (free[i] = 1));
  const fixedAt = Float64Array.from(rc, (v, i) => (v > 0 ? p.hi[i] : p.lo[i]));
  let rounds = est.rounds, nextClosest = width;

  for (;;) {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (free[i]) idx.push(i);
    if (idx.length >= n / 2) return solveDirect(p); // sifting is not paying off: solve it whole
    const r = await solveDirect(restrictFixed(p, idx, fixedAt));
    rounds++;
    if (r.status !== 'optimal') {
      // Fixed columns over-commit a row: free the next closest ones.
      for (const i of byClosest.slice(nextClosest, (nextClosest += idx.length))) free[i] = 1;
      continue;
    }
    // 3. Price: a fixed column whose reduced cost under the new duals wants the other bound is a violator.
    rc = reducedCosts(p, r.duals);
    const sc = columnScales(p, r.duals);
    const violators: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      if (free[i]) continue;
      const v = rc[i] / sc[i];
      if ((v > 1e-9 && fixedAt[i] < p.hi[i]) || (v < -1e-9 && fixedAt[i] > p.lo[i])) violators.push([i, Math.abs(v)]);
    }
    if (!violators.length) {
      const x = merge(fixedAt, idx, r.x);
      let z = 0;
      for (let i = 0; i < n; i++) z += p.c[i] * x[i];
      return { status: 'optimal', x, z, duals: r.duals, rounds };
    }
    violators.sort((a, b) => b[1] - a[1]);
    for (const [i] of violators.slice(0, width)) free[i] = 1; // a free column's value comes from the solve, not fixedAt
  }
}

/** The model over columns `idx` with every row's right-hand side scaled by `share`. */
function restrict(p: BoundedLp, idx: number[], share: number): BoundedLp {
  const pick = (v: ArrayLike<number>) => idx.map((i) => v[i]);
  return { c: pick(p.c), lo: pick(p.lo), hi: pick(p.hi), rows: p.rows.map((r) => ({ ...r, coef: pick(r.coef), rhs: r.rhs * share })) };
}

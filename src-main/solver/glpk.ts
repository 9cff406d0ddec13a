import GLPK from 'glpk.js/node';
import { LabError } from '../api/errors';

/**
 * glpk.js (GLPK compiled to wasm) behind a small, typed bounded-LP interface:
 *   maximise c·x  s.t.  rows (dense coefficient vectors over x, ≤ / ≥ / =),  lo ≤ x ≤ hi,
 * optionally with extra sparse rows and integer columns. Duals come with every LP.
 */
type Glpk = Awaited<ReturnType<typeof GLPK>>;
let instance: Promise<Glpk> | undefined;
export const glpk = (): Promise<Glpk> => (instance ??= GLPK());

export interface DenseRow { name: string; coef: ArrayLike<number>; sense: '<=' | '>=' | '='; rhs: number }
/** A row over a few columns: `terms` pairs of (column index, coefficient). Column index n is an extra free variable if declared. */
export interface SparseRow { name: string; terms: [number, number][]; sense: '<=' | '>=' | '='; rhs: number }

export interface BoundedLp {
  c: ArrayLike<number>;
  lo: ArrayLike<number>;
  hi: ArrayLike<number>;
  rows: DenseRow[];
  sparse?: SparseRow[];
  /** extra continuous free columns (index n, n+1, …), e.g. S = Σ x for share caps */
  extraCols?: number;
  integer?: boolean;
}

export interface LpResult {
  status: 'optimal' | 'infeasible' | 'unbounded' | 'undefined';
  x: Float64Array;
  z: number;
  /** dual price per row name (LP only): d objective / d rhs */
  duals: Record<string, number>;
  /** glpk calls made (sifting rounds) */
  rounds: number;
}

const STATUS: Record<number, LpResult['status']> = { 1: 'undefined', 2: 'optimal', 3: 'infeasible', 4: 'infeasible', 5: 'optimal', 6: 'unbounded' };

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
  const lo = (i: number) => (i < n ? p.lo[i] : -Infinity), hi = (i: number) => (i < n ? p.hi[i] : Infinity);

  const scaled = [
    ...p.rows.map((r) => ({ ...r, terms: Array.from(r.coef, (v, i) => [i, v] as [number, number]) })),
    ...(p.sparse ?? []),
  ].map((r) => normalise(r.terms, r));
  const subjectTo = [];
  for (const r of scaled) {
    if (r.terms.length) {
      subjectTo.push({ name: r.name, vars: r.terms.map(([j, coef]) => ({ name: names[j], coef })), bnds: rowBounds(g, r.sense, r.rhs) });
      continue;
    }
    // 0 ≤ / ≥ / = rhs decides feasibility alone; such a row's dual is 0.
    const holds = r.sense === '<=' ? r.rhs >= 0 : r.sense === '>=' ? r.rhs <= 0 : r.rhs === 0;
    if (!holds) return { status: 'infeasible', x: new Float64Array(n + extra), z: 0, duals: {}, rounds: 1 };
  }
  const obj = normalise(Array.from({ length: n }, (_, i) => [i, p.c[i]] as [number, number]), { rhs: 0 });
  const objCoef = new Float64Array(n + extra);
  for (const [j, v] of obj.terms) objCoef[j] = v;
  const bounds = names.map((name, i) =>
    i >= n ? { name, type: g.GLP_FR, lb: 0, ub: 0 } : lo(i) === hi(i) ? { name, type: g.GLP_FX, lb: lo(i), ub: hi(i) } : { name, type: g.GLP_DB, lb: lo(i), ub: hi(i) },
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
      { msglev: g.GLP_MSG_OFF, presol: !!p.integer },
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

/** Terms divided by their largest magnitude (rhs too), negligible ones dropped; `scale` undoes it. */
function normalise<R extends { rhs: number }>(terms: [number, number][], row: R): R & { terms: [number, number][]; scale: number } {
  const m = terms.reduce((s, [, v]) => Math.max(s, Math.abs(v)), 0);
  if (m === 0) return { ...row, terms: [], scale: 1 };
  return { ...row, terms: terms.filter(([, v]) => Math.abs(v) > 1e-15 * m).map(([j, v]) => [j, v / m]), rhs: row.rhs / m, scale: m };
}

/** Below this many columns glpk is fast enough on its own. */
const SIFT_FROM = 1500;

/**
 * Exact LP by sifting: glpk's primal simplex walks every column from its lower bound,
 * O(n²) for n columns (≈ 450 ms at n = 10,000 here). With few dense rows only a few
 * columns sit strictly between their bounds at the optimum, so: estimate the row
 * duals on a sample, fix columns whose reduced cost has a clear sign at a bound,
 * solve the rest with glpk, and re-check every fixed column against the new duals,
 * freeing any that disagree. When none disagrees the duals certify the whole LP optimal.
 */
export async function solveLp(p: BoundedLp): Promise<LpResult> {
  const n = p.c.length;
  if (n < SIFT_FROM || p.integer || p.sparse?.length || p.extraCols) return solveDirect(p);

  // 1. Dual estimate from a stratified sample, its right-hand sides scaled to the sample's share.
  const stride = Math.ceil(n / 400);
  const sample = Array.from({ length: Math.ceil(n / stride) }, (_, k) => k * stride);
  const est = await solveDirect(restrict(p, sample, sample.length / n));
  let duals = est.status === 'optimal' ? est.duals : Object.fromEntries(p.rows.map((r) => [r.name, 0]));

  const free = new Uint8Array(n);
  let rounds = est.rounds;
  let width = 200;
  for (;;) {
    // 2. Free the `width` columns with reduced cost nearest zero (the contested ones), plus any flagged.
    const rc = reducedCosts(p, duals);
    const scale = (i: number) => Math.abs(p.c[i]) + p.rows.reduce((s, r) => s + Math.abs((duals[r.name] ?? 0) * r.coef[i]), 0) || 1;
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => Math.abs(rc[i]) / scale(i) - Math.abs(rc[j]) / scale(j));
    for (let k = 0; k < Math.min(width, n); k++) free[order[k]] = 1;
    const idx: number[] = [];
    const fixedAt = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (free[i]) idx.push(i);
      else fixedAt[i] = rc[i] > 0 ? p.hi[i] : p.lo[i];
    }
    if (idx.length >= n / 2) return solveDirect(p); // sifting is not paying off: solve it whole
    const reduced = restrictFixed(p, idx, fixedAt);
    const r = await solveDirect(reduced);
    rounds++;
    if (r.status !== 'optimal') { width *= 4; continue; } // fixed columns over-committed a row: widen
    // 3. Verify: every fixed column must sit at the bound its reduced cost under the new duals asks for.
    const rc2 = reducedCosts(p, r.duals);
    let violations = 0;
    const tol = 1e-9;
    for (let i = 0; i < n; i++) {
      if (free[i]) continue;
      const s = scale(i);
      const wantsUp = rc2[i] > tol * s, wantsDown = rc2[i] < -tol * s;
      if ((wantsUp && fixedAt[i] < p.hi[i]) || (wantsDown && fixedAt[i] > p.lo[i])) { free[i] = 1; violations++; }
    }
    if (violations === 0) {
      const x = new Float64Array(n);
      let z = 0;
      for (let i = 0; i < n; i++) z += p.c[i] * (x[i] = fixedAt[i]);
      idx.forEach((i, k) => { z += p.c[i] * (r.x[k] - x[i]); x[i] = r.x[k]; });
      return { status: 'optimal', x, z, duals: r.duals, rounds };
    }
    duals = r.duals;
  }
}

function reducedCosts(p: BoundedLp, duals: Record<string, number>): Float64Array {
  const rc = Float64Array.from(p.c);
  for (const r of p.rows) {
    const y = duals[r.name] ?? 0;
    if (y) for (let i = 0; i < rc.length; i++) rc[i] -= y * r.coef[i];
  }
  return rc;
}

/** The model over columns `idx` with every row's right-hand side scaled by `share`. */
function restrict(p: BoundedLp, idx: number[], share: number): BoundedLp {
  const pick = (v: ArrayLike<number>) => idx.map((i) => v[i]);
  return { c: pick(p.c), lo: pick(p.lo), hi: pick(p.hi), rows: p.rows.map((r) => ({ ...r, coef: pick(r.coef), rhs: r.rhs * share })) };
}

/** The model over columns `idx`, the others held at `fixedAt` (moved to the right-hand sides). */
function restrictFixed(p: BoundedLp, idx: number[], fixedAt: Float64Array): BoundedLp {
  const inIdx = new Uint8Array(p.c.length);
  for (const i of idx) inIdx[i] = 1;
  const pick = (v: ArrayLike<number>) => idx.map((i) => v[i]);
  return {
    c: pick(p.c), lo: pick(p.lo), hi: pick(p.hi),
    rows: p.rows.map((r) => {
      let used = 0;
      for (let i = 0; i < p.c.length; i++) if (!inIdx[i]) used += r.coef[i] * fixedAt[i];
      return { ...r, coef: pick(r.coef), rhs: r.rhs - used };
    }),
  };
}

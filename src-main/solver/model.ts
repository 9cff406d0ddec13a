/**
 * The bounded model every engine solves, and the arithmetic on it that is the lab's
 * own (reduced costs, restriction to a subset of columns, row scaling):
 *   maximise c·x  s.t.  rows (dense coefficient vectors over x, ≤ / ≥ / =),  lo ≤ x ≤ hi,
 * optionally with extra sparse rows and integer columns.
 */
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
  /** integer models only: stop branch-and-bound after this many seconds with the best counts found */
  timeLimitS?: number;
}

export interface LpResult {
  /** `feasible`: an integer model stopped at its time limit with a solution, not proven optimal */
  status: 'optimal' | 'feasible' | 'infeasible' | 'unbounded' | 'undefined';
  x: Float64Array;
  z: number;
  /** dual price per row name (LP only): d objective / d rhs */
  duals: Record<string, number>;
  /** engine calls made (sifting rounds) */
  rounds: number;
}

/** Dense rows then sparse rows as (column, coefficient) terms, each scaled to a largest coefficient of 1. */
export function scaledRows(p: BoundedLp) {
  return [
    ...p.rows.map((r) => ({ ...r, terms: Array.from(r.coef, (v, i) => [i, v] as [number, number]) })),
    ...(p.sparse ?? []),
  ].map((r) => normalise(r.terms, r));
}

/** Terms divided by their largest magnitude (rhs too), negligible ones dropped; `scale` undoes it. */
export function normalise<R extends { rhs: number }>(terms: [number, number][], row: R): R & { terms: [number, number][]; scale: number } {
  const m = terms.reduce((s, [, v]) => Math.max(s, Math.abs(v)), 0);
  if (m === 0) return { ...row, terms: [], scale: 1 };
  return { ...row, terms: terms.filter(([, v]) => Math.abs(v) > 1e-15 * m).map(([j, v]) => [j, v / m]), rhs: row.rhs / m, scale: m };
}

/** Whether a row with no entries left (0 ≤ / ≥ / = rhs) holds. */
export const emptyRowHolds = (r: { sense: string; rhs: number }) => (r.sense === '<=' ? r.rhs >= 0 : r.sense === '>=' ? r.rhs <= 0 : r.rhs === 0);

/** |c_i| + Σ_rows |y_r a_ri|: the size a reduced cost is measured against. */
export function columnScales(p: BoundedLp, duals: Record<string, number>): Float64Array {
  const s = Float64Array.from(p.c, Math.abs);
  for (const r of p.rows) {
    const y = Math.abs(duals[r.name] ?? 0);
    if (y) for (let i = 0; i < s.length; i++) s[i] += y * Math.abs(r.coef[i]);
  }
  return s.map((v) => v || 1);
}

export function reducedCosts(p: BoundedLp, duals: Record<string, number>): Float64Array {
  const rc = Float64Array.from(p.c);
  for (const r of p.rows) {
    const y = duals[r.name] ?? 0;
    if (y) for (let i = 0; i < rc.length; i++) rc[i] -= y * r.coef[i];
  }
  return rc;
}

/** The model over columns `idx`, the others held at `fixedAt` (moved to the right-hand sides). */
export function restrictFixed(p: BoundedLp, idx: number[], fixedAt: ArrayLike<number>): BoundedLp {
  const inIdx = new Uint8Array(p.c.length);
  for (const i of idx) inIdx[i] = 1;
  const pick = (v: ArrayLike<number>) => idx.map((i) => v[i]);
  return {
    ...p,
    c: pick(p.c), lo: pick(p.lo), hi: pick(p.hi),
    rows: p.rows.map((r) => {
      let used = 0;
      for (let i = 0; i < p.c.length; i++) if (!inIdx[i]) used += r.coef[i] * fixedAt[i];
      return { ...r, coef: pick(r.coef), rhs: r.rhs - used };
    }),
  };
}

/** x over all columns: `fixedAt`, with the columns `idx` taken from the restricted solution `sub`. */
export function merge(fixedAt: ArrayLike<number>, idx: number[], sub: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(fixedAt);
  idx.forEach((i, k) => (x[i] = sub[k]));
  return x;
}

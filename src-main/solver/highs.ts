import loadHighs from 'highs';
import { LabError } from '../api/errors';
import { emptyRowHolds, normalise, scaledRows, type BoundedLp, type LpResult } from './model';

/**
 * The HiGHS engine (HiGHS compiled to wasm, npm `highs`): one direct solve of the model,
 * LP or MIP. Its branch and cut proves whole-batch allocations optimal at sizes where
 * glpk's stops at its time limit (docs/benchmarks.md).
 */
type Highs = Awaited<ReturnType<typeof loadHighs>>;
let instance: Promise<Highs> | undefined;
export const highs = (): Promise<Highs> => (instance ??= loadHighs());

/** HiGHS model status codes (highs.constants.modelStatus) the lab tells apart. */
const OPTIMAL = 7, INFEASIBLE = 8, UNBOUNDED_OR_INFEASIBLE = 9, UNBOUNDED = 10, TIME_LIMIT = 13;
/** info `primal_solution_status`: 2 = a feasible point exists */
const FEASIBLE_POINT = 2;

/**
 * The lab's settings. Proven optimal means proven: no relative gap. Tight feasibility, so
 * rounding the counts to whole numbers rarely moves a row (the lab checks every row in its
 * own arithmetic anyway). The feasibility-jump heuristic costs ~15 ms on every MIP, even a
 * ten-task one, and slowed n = 1,000 … 10,000 here too (docs/benchmarks.md).
 */
export const LAB_OPTIONS = { mip_rel_gap: 0, mip_feasibility_tolerance: 1e-9, primal_feasibility_tolerance: 1e-9, mip_heuristic_run_feasibility_jump: false };

/** `options`: HiGHS options over its defaults (the benchmark compares the lab's with others). */
export async function solveHighs(p: BoundedLp, options: Record<string, number | boolean | string> = LAB_OPTIONS): Promise<LpResult> {
  const h = await highs();
  const n = p.c.length, extra = p.extraCols ?? 0, cols = n + extra;
  // Rows and objective scaled to a largest coefficient of 1, as for glpk: HiGHS drops
  // matrix entries below 1e-9, which unscaled per-unit costs can fall under.
  const rows = scaledRows(p);
  if (cols === 0) return { status: rows.every((r) => r.terms.length || emptyRowHolds(r)) ? 'optimal' : 'infeasible', x: new Float64Array(0), z: 0, duals: {}, rounds: 0 };
  const obj = normalise(Array.from({ length: n }, (_, i) => [i, p.c[i]] as [number, number]), { rhs: 0 });
  const colCost = new Float64Array(cols);
  for (const [j, v] of obj.terms) colCost[j] = v;
  const starts = new Int32Array(rows.length + 1);
  rows.forEach((r, k) => (starts[k + 1] = starts[k] + r.terms.length));
  const indices = new Int32Array(starts[rows.length]), values = new Float64Array(starts[rows.length]);
  rows.forEach((r, k) => r.terms.forEach(([j, v], m) => {
    indices[starts[k] + m] = j;
    values[starts[k] + m] = v;
  }));
  const inf = h.infinity;
  let model: ReturnType<Highs['createModel']> | undefined;
  try {
    model = h.createModel({
      numCols: cols,
      numRows: rows.length,
      sense: h.constants.objectiveSense.maximize,
      colCost,
      colLower: Float64Array.from({ length: cols }, (_, i) => (i < n ? p.lo[i] : -inf)),
      colUpper: Float64Array.from({ length: cols }, (_, i) => (i < n ? p.hi[i] : inf)),
      rowLower: rows.map((r) => (r.sense === '<=' ? -inf : r.rhs)),
      rowUpper: rows.map((r) => (r.sense === '>=' ? inf : r.rhs)),
      matrix: { format: 'csr', numRows: rows.length, numCols: cols, starts, indices, values },
      ...(p.integer ? { integrality: Int32Array.from({ length: cols }, (_, i) => (i < n ? 1 : 0)) } : {}),
    });
    model.options.set({ output_flag: false, ...options, ...(p.integer && p.timeLimitS ? { time_limit: p.timeLimitS } : {}) });
    model.run();
    const code = model.getModelStatus();
    const hasPoint = Number(model.info.get('primal_solution_status')) === FEASIBLE_POINT;
    const status: LpResult['status'] =
      code === OPTIMAL ? 'optimal'
      : code === INFEASIBLE ? 'infeasible'
      : code === UNBOUNDED || code === UNBOUNDED_OR_INFEASIBLE ? 'unbounded'
      : code === TIME_LIMIT && hasPoint ? 'feasible'
      : 'undefined';
    const sol = model.getSolution();
    const duals: Record<string, number> = {};
    if (!p.integer) rows.forEach((r, k) => (duals[r.name] = sol.rowDual[k] * (obj.scale / r.scale)));
    return { status, x: Float64Array.from(sol.colValue), z: model.getObjectiveValue() * obj.scale, duals, rounds: 1 };
  } catch (e) {
    instance = undefined; // an abort leaves the wasm module unusable: start a fresh one next time
    throw new LabError('internal', `HiGHS failed on a model with ${cols} columns and ${rows.length} rows: ${(e as Error).message}`);
  } finally {
    model?.dispose();
  }
}

import { LabError } from '../api/errors';
import type { MilpSolution } from './milp';
import type { Problem } from './problem';

/** Cells the DP may fill before it refuses (about a second here). */
const MAX_CELLS = 2e8;

/**
 * Exact dynamic programme over integer unit counts, the cross-check of milp:
 * bounded knapsack, c_i ∈ [⌈l_i N_i⌉, ⌊u_i N_i⌋], cost a_i/N_i per unit on an integer
 * grid (the least power of ten that makes every cost whole), value w_i/N_i per unit.
 * Maximises value, then spends the least attention at that value.
 */
export function dp(p: Problem): MilpSolution | null {
  if (p.timeBudget !== null) throw new LabError('invalid_input', 'timeBudget: dp handles the attention budget and the bounds only; use milp with a time budget');
  if (p.shareCap !== null) throw new LabError('invalid_input', 'shareCap: dp handles the attention budget and the bounds only; use milp with a share cap');
  const N = p.unitsPerTask;
  const unitCost = p.tasks.map((t, i) => t.a / N[i]);
  const scale = gridScale([...unitCost, p.budget]);
  if (scale === null) {
    const i = unitCost.findIndex((c) => !isWhole(c * 1e6));
    throw new LabError('invalid_input', `dp needs attention per unit on a decimal grid: task '${p.tasks[i].name}' costs ${unitCost[i]} per unit (a = ${p.tasks[i].a} over ${N[i]} units); use milp`);
  }
  const cost = unitCost.map((c) => Math.round(c * scale));
  const B = Math.floor(p.budget * scale + 1e-9);
  const lo = p.tasks.map((t, i) => Math.ceil(t.lo * N[i] - 1e-9));
  const hi = p.tasks.map((t, i) => Math.floor(t.hi * N[i] + 1e-9));
  const cells = p.tasks.reduce((s, _, i) => s + (B + 1) * (hi[i] - lo[i] + 1), 0);
  if (cells > MAX_CELLS) throw new LabError('invalid_input', `dp would fill ${cells.toExponential(1)} cells (budget ${B} grid units); it is meant for small sets — use milp`);

  // best[b]: the most value with exactly b grid units spent (−∞: unreachable).
  let best = new Float64Array(B + 1).fill(-Infinity);
  best[0] = 0;
  const choice: Int32Array[] = [];
  p.tasks.forEach((t, i) => {
    const next = new Float64Array(B + 1).fill(-Infinity);
    const pick = new Int32Array(B + 1).fill(-1);
    const v = t.w / N[i];
    for (let b = 0; b <= B; b++) {
      if (best[b] === -Infinity) continue;
      for (let c = lo[i]; c <= hi[i]; c++) {
        const nb = b + c * cost[i];
        if (nb > B) break;
        const val = best[b] + c * v;
        if (val > next[nb]) { next[nb] = val; pick[nb] = c; }
      }
    }
    best = next;
    choice.push(pick);
  });
  // The highest value, then the least spend reaching it (within rounding of the sums).
  let top = -Infinity;
  for (let b = 0; b <= B; b++) top = Math.max(top, best[b]);
  if (top === -Infinity) return null;
  let b = 0;
  while (best[b] < top - 1e-9 * Math.max(1, Math.abs(top))) b++;
  const counts = new Array<number>(p.tasks.length);
  for (let i = p.tasks.length - 1; i >= 0; i--) {
    counts[i] = choice[i][b];
    b -= counts[i] * cost[i];
  }
  return { counts, value: top, status: 'optimal' };
}

const isWhole = (x: number) => Math.abs(x - Math.round(x)) <= 1e-9 * Math.max(1, Math.abs(x));

/** The least 10^k (k ≤ 6) that makes every cost whole; the budget is floored onto the grid. */
function gridScale(costs: number[]): number | null {
  for (let k = 0; k <= 6; k++) {
    const s = 10 ** k;
    if (costs.slice(0, -1).every((c) => isWhole(c * s))) return s;
  }
  return null;
}

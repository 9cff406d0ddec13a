import { solveLp } from './glpk';
import type { BoundedLp } from './model';
import { col, dot, type Problem } from './problem';
import { fmt } from './format';

export interface Infeasibility { explanation: string; leastBudget: number | null }

/**
 * Why a set cannot be solved, naming the constraints at fault, and the least
 * attention budget that would make it feasible (null when no budget would).
 * `lo` overrides the floors (milp rounds them up to whole units).
 */
export async function explainInfeasible(p: Problem, lo: number[] = col(p, 'lo')): Promise<Infeasibility | null> {
  const a = col(p, 'a'), t = col(p, 't');
  const reasons: string[] = [];
  const floorsAttention = dot(a, lo);
  const floorsTime = dot(t, lo);
  if (p.timeBudget !== null && floorsTime > p.timeBudget)
    reasons.push(`floors alone need ${fmt(floorsTime)} s of time, the time budget is ${fmt(p.timeBudget)} s (${floorsOffenders(p, t, lo)})`);
  if (p.shareCap !== null && p.shareCap * p.tasks.length < 1 && lo.some((l) => l > 0))
    reasons.push(`a share cap of ${fmt(p.shareCap)} over ${p.tasks.length} tasks cannot hold (the shares would sum to at most ${fmt(p.shareCap * p.tasks.length)} of the total) while any floor is above 0`);

  const leastBudget = await leastFeasibleBudget(p, lo);
  if (leastBudget === null && !reasons.length) reasons.push('the floors, caps, time budget and share cap conflict with one another, whatever the attention budget');
  if (leastBudget !== null && leastBudget > p.budget * (1 + 1e-9)) {
    reasons.unshift(
      floorsAttention >= leastBudget * (1 - 1e-9)
        ? `floors alone need ${fmt(floorsAttention)} attention units, the budget is ${fmt(p.budget)} (${floorsOffenders(p, a, lo)})`
        : `the floors and the share cap need at least ${fmt(leastBudget)} attention units, the budget is ${fmt(p.budget)}`,
    );
  }
  if (!reasons.length) return null;
  return { explanation: reasons.join('; ') + (leastBudget !== null ? `. The least budget that is feasible is ${fmt(leastBudget)}.` : '.'), leastBudget };
}

/** The least attention any allocation needs under every other row (time, share cap, bounds); null if none is feasible. */
export async function leastFeasibleBudget(p: Problem, lo: number[] = col(p, 'lo')): Promise<number | null> {
  const rows = p.timeBudget !== null ? [{ name: 'time', coef: col(p, 't'), sense: '<=' as const, rhs: p.timeBudget }] : [];
  const least = await solveLp({ ...shareModel(p, col(p, 'a').map((x) => -x), lo), rows });
  return least.status === 'optimal' ? Math.max(0, -least.z) : null;
}

/** The biggest contributors to a floor sum, so the user knows which floors to lower. */
function floorsOffenders(p: Problem, cost: number[], lo: number[]): string {
  const parts = p.tasks.map((t, i) => ({ name: t.name, v: cost[i] * lo[i] })).filter((x) => x.v > 0).sort((x, y) => y.v - x.v);
  const shown = parts.slice(0, 3).map((x) => `${x.name} ${fmt(x.v)}`).join(', ');
  return parts.length > 3 ? `largest: ${shown}, and ${parts.length - 3} more` : shown;
}

/** The bounded model with share-cap rows π_i ≤ s·S, S = Σ π (an extra column, so rows stay sparse). */
export function shareModel(p: Problem, c: number[], lo: number[] = col(p, 'lo')): BoundedLp {
  const n = p.tasks.length;
  const base: BoundedLp = { c, lo, hi: col(p, 'hi'), rows: [] };
  if (p.shareCap === null) return base;
  const s = p.shareCap;
  return {
    ...base,
    extraCols: 1,
    sparse: [
      { name: 'share-total', terms: [...p.tasks.map((_, i) => [i, 1] as [number, number]), [n, -1]], sense: '=', rhs: 0 },
      ...p.tasks.map((t, i) => ({ name: `share:${t.name}`, terms: [[i, 1], [n, -s]] as [number, number][], sense: '<=' as const, rhs: 0 })),
    ],
  };
}

import { LabError } from '../api/errors';
import type { PolicyName } from '../api/schemas';
import { col, dot, type Problem } from './problem';
import { fmt } from './format';

/** The policies with a closed form, fitted to the budget: every policy but the solved ones. */
export type HeuristicPolicy = Exclude<PolicyName, 'lp' | 'milp' | 'dp' | 'curve'>;

/** The direction a heuristic policy points π in, before it is fitted to the budget and bounds (temperature > 0: SolveParams). */
export function direction(p: Problem, policy: HeuristicPolicy, temperature: number): number[] {
  const sizes = () =>
    p.tasks.map((t, i) => {
      if (t.n === null) throw new LabError('invalid_input', `tasks[${i}] '${t.name}': the ${policy} policy needs the task's number of examples (link a data set or set examples)`);
      return t.n;
    });
  switch (policy) {
    case 'uniform':
      return p.tasks.map(() => 1);
    case 'size':
      return sizes();
    case 'temperature':
      return sizes().map((n) => n ** (1 / temperature));
    case 'seed-formula': {
      // The seed's closed form π_i = a_i w_i / (A W). The seed's printed example (π = a_i / A
      // for unit weights) holds only with W the mean weight; with W = Σ w every π would be n× smaller.
      const W = p.tasks.reduce((s, t) => s + t.w, 0) / p.tasks.length;
      if (W <= 0) throw new LabError('invalid_input', 'weight: the seed formula divides by the mean weight, and every weight is 0');
      return p.tasks.map((t) => (t.a * t.w) / (p.budget * W));
    }
  }
}

export interface Fitted { pi: number[]; scale: number; notes: string[] }

/**
 * π_i(s) = clamp(s·d_i, l_i, u_i) with the largest s whose π fits the attention and time
 * budgets (at most `maxScale`). Every coordinate is non-decreasing in s, so attention
 * and time are too, and bisection finds s to machine precision.
 * Returns null when even the floors do not fit.
 */
export function fitToBudget(p: Problem, d: number[], maxScale = Infinity): Fitted | null {
  const lo = col(p, 'lo'), hi = col(p, 'hi'), a = col(p, 'a'), t = col(p, 't');
  const at = (s: number) => d.map((di, i) => Math.min(hi[i], Math.max(lo[i], s * di)));
  const fits = (pi: number[]) =>
    dot(a, pi) <= p.budget * (1 + 1e-12) && (p.timeBudget === null || dot(t, pi) <= p.timeBudget * (1 + 1e-12));
  if (!fits(lo)) return null;
  // Beyond sMax every task sits at its cap.
  const sMax = Math.min(maxScale, Math.max(0, ...d.map((di, i) => (di > 0 ? hi[i] / di : 0))));
  let s = sMax;
  if (!fits(at(sMax))) {
    let [good, bad] = [0, sMax];
    // ends: while the gap is over 1e-15 of bad, doubles lie strictly between good and bad
    while (bad - good > 1e-15 * bad) {
      const mid = (good + bad) / 2;
      if (fits(at(mid))) good = mid;
      else bad = mid;
    }
    s = good;
  }
  const pi = at(s);
  const notes: string[] = [];
  const clamped = pi.filter((v, i) => v !== s * d[i]).length;
  if (clamped) notes.push(`${clamped} task(s) held at their floor or cap`);
  return { pi, scale: s, notes };
}

export function heuristic(p: Problem, policy: HeuristicPolicy, temperature: number): Fitted | null {
  const d = direction(p, policy, temperature);
  if (policy !== 'seed-formula') return fitToBudget(p, d);
  // The seed's formula is reported as the seed wrote it; scaled down only if it breaks a budget or bound.
  const f = fitToBudget(p, d, 1);
  if (f && f.scale < 1 - 1e-12) f.notes.unshift(`the seed's formula exceeded the budget; scaled by ${fmt(f.scale)}`);
  return f;
}

import type { PolicyName } from '../api/schemas';
import { glpk, solveLp } from './glpk';
import { highs, solveHighs } from './highs';
import type { BoundedLp, LpResult } from './model';

/** A solver engine: solves the bounded model (LP or MIP), and names itself with its version for the solve record. */
export interface Engine {
  solve(p: BoundedLp): Promise<LpResult>;
  name(): Promise<string>;
}

export const GLPK: Engine = { solve: solveLp, name: async () => `GLPK ${(await glpk()).version} (glpk.js)` };
export const HIGHS: Engine = { solve: solveHighs, name: async () => `HiGHS ${(await highs()).version.string}` };

/**
 * The engine per policy. lp (and curve, and the infeasibility explanations) stay on glpk.js,
 * which the design names for the LP with duals: its sifting solves n = 10,000 in a quarter to a
 * half of HiGHS's time for one LP. milp goes to HiGHS, whose branch and cut proves n = 10,000
 * optimal where glpk's stops at its time limit (docs/benchmarks.md). dp is the lab's own
 * dynamic programme and the closed-form policies need no engine.
 */
export function engineFor(policy: PolicyName): Engine | null {
  return policy === 'milp' ? HIGHS : policy === 'lp' || policy === 'curve' ? GLPK : null;
}

/** What the solve record names as its engine. */
export async function engineName(policy: PolicyName): Promise<string> {
  const e = engineFor(policy);
  return e ? e.name() : policy === 'dp' ? 'dynamic programme (the lab)' : 'closed form (the lab)';
}

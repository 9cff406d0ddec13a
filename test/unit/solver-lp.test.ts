/** lp's second pass and its exact budgets, and what both engines do at the edges (no free column, a refused model, share caps over whole counts). */
import { describe, expect, it } from 'vitest';
import { LabError } from '../../src-main/api/errors';
import { GLPK, HIGHS } from '../../src-main/solver/engine';
import { solveDirect, solveLp } from '../../src-main/solver/glpk';
import { solveHighs } from '../../src-main/solver/highs';
import { lexicographicLp } from '../../src-main/solver/lp';
import { milp } from '../../src-main/solver/milp';
import type { BoundedLp, LpResult } from '../../src-main/solver/model';
import type { Problem } from '../../src-main/solver/problem';

const task = (name: string, t: Partial<Problem['tasks'][number]> = {}) => ({ name, a: 1, t: 0, w: 1, lo: 0, hi: 1, n: null, ...t });
const problem = (tasks: Problem['tasks'], more: Partial<Problem> = {}): Problem => ({ tasks, budget: 100, timeBudget: null, shareCap: null, unitsPerTask: tasks.map(() => 1), ...more });

describe("lp's least-attention pass", () => {
  /** A solve giving the scripted answers in turn. */
  const scripted = (...answers: { status: LpResult['status']; x: number[]; duals?: Record<string, number> }[]) => {
    let k = 0;
    return async (m: BoundedLp): Promise<LpResult> => {
      const a = answers[k++];
      return { status: a.status, x: Float64Array.from(a.x), z: a.x.reduce((s, v, i) => s + v * m.c[i], 0), duals: a.duals ?? {}, rounds: 1 };
    };
  };
  // x and y tie (w = a = 1). The first pass answers [1, 0]; its dual 1 on attention leaves both reduced costs 0, so the second pass chooses among both.
  const tie = problem([task('x'), task('y')], { budget: 1 });
  const first = { status: 'optimal' as const, x: [1, 0], duals: { attention: 1 } };

  it('is kept only when it holds the value: one that lost value or failed leaves the first pass', async () => {
    expect((await lexicographicLp(tie, scripted(first, { status: 'optimal', x: [0, 1] })))!.pi).toEqual([0, 1]);
    expect((await lexicographicLp(tie, scripted(first, { status: 'optimal', x: [0.5, 0] })))!.pi).toEqual([1, 0]);
    expect((await lexicographicLp(tie, scripted(first, { status: 'infeasible', x: [0, 1] })))!.pi).toEqual([1, 0]);
  });

  it('without a time budget the time dual is null, not 0; rounds count both passes', async () => {
    const s = (await lexicographicLp(problem([task('x'), task('y', { a: 2 })], { budget: 1 })))!;
    expect(s.duals).toEqual({ attention: 0.5, time: null }); // y's worth per attention prices the budget
    expect(s.rounds).toBe(2);
  });

  it('solves only the tied columns the first pass leaves open (n = 300)', async () => {
    let st = 3;
    const rnd = () => ((st = (st * 1664525 + 1013904223) % 4294967296) / 4294967296);
    // worth per attention on a coarse grid: a few dozen tasks tie at the binding budget's price
    const tasks = Array.from({ length: 300 }, (_, i) => {
      const a = 1 + rnd() * 9;
      return task(`t${i}`, { a, w: (Math.ceil(rnd() * 8) * a) / 4 });
    });
    const p = problem(tasks, { budget: 0.4 * tasks.reduce((s, t) => s + t.a, 0) });
    const sizes: number[] = [];
    const s = (await lexicographicLp(p, (m) => {
      sizes.push(m.c.length);
      return solveLp(m);
    }))!;
    const whole = await lexicographicLp(p);
    expect(sizes[0]).toBe(300);
    expect(sizes[1]).toBeLessThan(60);
    expect(s.pi).toEqual(whole!.pi);
  });
});

describe('lp holds budgets in its own arithmetic', () => {
  it('floors over the budget by 1e-9 of it are infeasible though glpk calls them optimal; over by the rounding of their sum they hold', async () => {
    expect(await lexicographicLp(problem([task('x', { lo: 0.5 }), task('y', { lo: 0.5 })], { budget: 1 - 1e-9 }))).toBeNull();
    const rounding = problem([task('x', { a: 100000.1, lo: 1 }), task('y', { a: 200000.2, lo: 1 })], { budget: 300000.3 });
    expect((await lexicographicLp(rounding))!.pi).toEqual([1, 1]);
  });
});

describe('the engines at the edges', () => {
  it('a model with no free column: optimal when its rows hold, infeasible when one cannot (glpk and HiGHS)', async () => {
    const empty = (...rhs: number[]): BoundedLp => ({ c: [], lo: [], hi: [], rows: rhs.map((r, k) => ({ name: `r${k}`, coef: [], sense: '<=', rhs: r })) });
    for (const solve of [solveDirect, solveHighs]) {
      expect((await solve(empty(1))).status).toBe('optimal');
      expect((await solve(empty(-1))).status).toBe('infeasible');
      expect((await solve(empty(1, -1))).status).toBe('infeasible'); // one row that cannot hold is enough
    }
  });

  it('milp where reduced costs settle every column (a budget that fits all): optimal counts, no note (both engines)', async () => {
    const p = problem([task('x'), task('y', { w: 2 }), task('z', { a: 3 })], { unitsPerTask: [2, 3, 4] });
    for (const engine of [GLPK, HIGHS]) expect(await milp(p, 10, engine)).toEqual({ counts: [2, 3, 4], value: 4, status: 'optimal' });
  });

  it('under a share cap whole counts may total a fraction of a pass (glpk\'s total column stays continuous)', async () => {
    // three units of 0.5 attention fit; each task's share is a third, under the cap of 0.5
    const p = problem([task('x'), task('y'), task('z')], { budget: 1.5, shareCap: 0.5, unitsPerTask: [2, 2, 2] });
    for (const engine of [GLPK, HIGHS]) expect(await milp(p, 10, engine)).toMatchObject({ value: 1.5, status: 'optimal' });
  });

  it('HiGHS refusing a model is an internal error naming its size, and the next solve works', async () => {
    const m: BoundedLp = { c: [1, 1], lo: [0, 0], hi: [1, 1], rows: [{ name: 'attention', coef: [1, 1], sense: '<=', rhs: 1 }] };
    const e = await solveHighs(m, { no_such_option: 1 }).catch((x) => x);
    expect(e).toBeInstanceOf(LabError);
    expect([e.code, e.message]).toEqual(['internal', expect.stringMatching(/^HiGHS failed on a model with 2 columns and 1 rows: /)]);
    expect((await solveHighs(m)).status).toBe('optimal');
  });
});

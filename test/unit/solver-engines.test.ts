/** The engines behind the solver: sifting, the second pass at scale, time limits, and budgets held past each engine's tolerance. */
import { describe, expect, it } from 'vitest';
import { SolveParams, type SolveParams as Params } from '../../src-main/api/schemas';
import { type Engine, GLPK, HIGHS } from '../../src-main/solver/engine';
import { solveDirect, solveLp } from '../../src-main/solver/glpk';
import { solveHighs } from '../../src-main/solver/highs';
import { milp } from '../../src-main/solver/milp';
import { type Problem, solveAllocation } from '../../src-main/solver';

const solve = (p: Problem, params: Params) => solveAllocation(p, SolveParams.parse(params));

describe('sifting on large sets', () => {
  // Every 8th column is the sample (its stride at n = 3,000). Sampled columns that are better buys
  // than the rest make the sample price attention too high: good columns start fixed at 0 (44 % short
  // without pricing). Poorer ones price it too low: columns start at their cap that belong at 0
  // (1.7 % short when pricing only ever raises a column).
  it.each([
    ['too high', (r: number, i: number) => (i % 8 === 0 ? 1.2 + 0.3 * r : 0.5 + r)],
    ['too low', (r: number, i: number) => (i % 8 === 0 ? 0.9 : 1) * (0.5 + r)],
  ])('prices every column: where the sample prices attention %s it still ends at the optimum, both rows binding', async (_, ratio) => {
    let seedState = 5;
    const rnd = () => ((seedState = (seedState * 1664525 + 1013904223) % 4294967296) / 4294967296);
    const n = 3000;
    const a = Array.from({ length: n }, () => 1 + rnd() * 99);
    const w = a.map((x, i) => ratio(rnd(), i) * x);
    const t = a.map((x) => x * 0.01 * (0.5 + rnd()));
    const sum = (v: number[]) => v.reduce((s, x) => s + x, 0);
    const model = { c: w, lo: a.map(() => 0), hi: a.map(() => 1), rows: [{ name: 'attention', coef: a, sense: '<=' as const, rhs: 0.3 * sum(a) }, { name: 'time', coef: t, sense: '<=' as const, rhs: 0.25 * sum(t) }] };
    const [sifted, direct, highs] = [await solveLp(model), await solveDirect(model), await solveHighs(model)];
    expect(sifted.rounds).toBeGreaterThan(2); // the sample, one restricted solve, and the ones pricing asked for
    for (const other of [direct, highs]) {
      expect(Math.abs(sifted.z - other.z)).toBeLessThan(1e-9 * other.z);
      for (const row of ['attention', 'time']) {
        expect(other.duals[row]).toBeGreaterThan(0); // binding
        expect(Math.abs(sifted.duals[row] - other.duals[row])).toBeLessThan(1e-7 * other.duals[row]);
      }
    }
  });
});

describe('large sets', () => {
  const large = (n: number): Problem => {
    let st = 11;
    const rnd = () => ((st = (st * 1664525 + 1013904223) % 4294967296) / 4294967296);
    const tasks = Array.from({ length: n }, (_, i) => {
      const t = 0.1 + rnd();
      // weights on a coarse grid per second of time: many tasks tie on the binding time row, at attention costs 1 … 100
      return { name: `t${i}`, a: 1 + rnd() * 99, t, w: (Math.ceil(rnd() * 4) * t) / 2, lo: rnd() < 0.3 ? 0.05 : 0, hi: 1, n: null };
    });
    const sum = (k: 'a' | 't') => tasks.reduce((s, t) => s + t[k], 0);
    return { tasks, budget: 0.6 * sum('a'), timeBudget: sum('t') / 3, shareCap: null, unitsPerTask: tasks.map(() => 100) };
  };

  it('lp at n = 3,000 with ties on the time row: the optimum, at the least attention any optimum spends (checked on HiGHS)', async () => {
    const p = large(3000);
    const s = await solve(p, { policy: 'lp' });
    const col = (k: 'a' | 't' | 'w' | 'lo' | 'hi') => p.tasks.map((t) => t[k]);
    const rows = [{ name: 'attention', coef: col('a'), sense: '<=' as const, rhs: p.budget }, { name: 'time', coef: col('t'), sense: '<=' as const, rhs: p.timeBudget! }];
    const best = await solveHighs({ c: col('w'), lo: col('lo'), hi: col('hi'), rows });
    const least = await solveHighs({ c: col('a').map((v) => -v), lo: col('lo'), hi: col('hi'), rows: [...rows, { name: 'value', coef: col('w'), sense: '>=', rhs: best.z * (1 - 1e-12) }] });
    expect(s.binding).toEqual(['time']);
    expect(Math.abs(s.objective.value - best.z)).toBeLessThan(1e-9 * best.z);
    expect(s.duals.time).toBeCloseTo(best.duals.time, 9);
    // Optima here spend from 43,646 to 58,000+ attention; skipping the second pass spent 47,309.
    expect(Math.abs(s.objective.attention - -least.z)).toBeLessThan(1e-7 * -least.z);
  });

  it('milp stopped by its time limit with counts in hand says feasible, never optimal, and its counts still hold every row', async () => {
    // An engine that always runs out of time, holding the given point (the second over the budget by 1e-10).
    const stopped = (x: number[]): Engine => ({ name: async () => 'stopped', solve: async () => ({ status: 'feasible', x: Float64Array.from(x), z: 0, duals: {}, rounds: 1 }) });
    const tasks = ['x', 'y'].map((name) => ({ name, a: 1, t: 0, w: 1, lo: 0, hi: 1, n: null }));
    const p: Problem = { tasks, budget: 2 - 2e-10, timeBudget: null, shareCap: null, unitsPerTask: [1, 1] };
    for (const [x, sum] of [[[1, 0], 1], [[1, 1], 1]] as const) {
      const s = await milp(p, 3, stopped([...x]));
      expect(s!.status).toBe('feasible');
      expect(s!.note).toMatch(/milp stopped at its 3 s time limit: .*not proven optimal/);
      expect(s!.counts[0] + s!.counts[1]).toBe(sum);
    }
  });

  it('milp stopped over a row gives back the units worth least per unit of the rows they use, and keeps the rest', async () => {
    const stopped: Engine = { name: async () => 'stopped', solve: async () => ({ status: 'feasible', x: Float64Array.from([1, 1, 1]), z: 0, duals: {}, rounds: 1 }) };
    // worth per unit of attention + time: x 1, y 3, z 0.2 (z uses the time row most)
    const tasks = [{ name: 'x', a: 1, t: 0, w: 1 }, { name: 'y', a: 1, t: 0, w: 3 }, { name: 'z', a: 1, t: 4, w: 1 }].map((t) => ({ ...t, lo: 0, hi: 1, n: null }));
    const overTime: Problem = { tasks, budget: 10, timeBudget: 3, shareCap: null, unitsPerTask: [1, 1, 1] };
    expect(await milp(overTime, 3, stopped)).toMatchObject({ counts: [1, 1, 0], value: 4, status: 'feasible', note: expect.stringMatching(/broke time within its tolerance; units were given back/) });
    const overBoth: Problem = { ...overTime, budget: 1, timeBudget: 0.5 }; // only y's unit fits: z, then x go
    expect(await milp(overBoth, 3, stopped)).toMatchObject({ counts: [0, 1, 0], value: 3, note: expect.stringMatching(/broke attention and time/) });
    const none: Problem = { ...overTime, tasks: tasks.map((t) => ({ ...t, lo: 1 })) }; // every unit is a floor: nothing can be given back
    expect(await milp(none, 3, stopped)).toBeNull();
  });

  it('milp that cannot finish in its time limit says so instead of calling the set infeasible', async () => {
    const p = large(3000);
    await expect(solve(p, { policy: 'milp', timeLimit: 0.001 })).rejects.toThrow(/time limit/);
  });
});

describe('budgets hold exactly, past glpk\'s tolerance', () => {
  it('glpk\'s point breaks a floor and clamping it breaks the time row: the lab holds both and stays optimal (lp and milp)', async () => {
    // glpk returns a = 0.09999997 (under its floor, within tolerance) and b = 1; with a at its floor
    // b = 1 would spend 0.5000003 s of 0.50000015. The optimum is b = 0.5: value 0.6 (the floors give 0.1).
    const tasks = [{ name: 'a', a: 1, t: 5, w: 1, lo: 0.1, hi: 0.4, n: null }, { name: 'b', a: 1, t: 3e-7, w: 1, lo: 0, hi: 1, n: null }];
    const p: Problem = { tasks, budget: 10, timeBudget: 0.5 + 1.5e-7, shareCap: null, unitsPerTask: [10, 10] };
    for (const policy of ['lp', 'milp'] as const) {
      const s = await solve(p, { policy });
      expect(s.status).toBe('optimal');
      expect(s.pi[0]).toBeGreaterThanOrEqual(0.1);
      expect(s.objective.time).toBeLessThanOrEqual(p.timeBudget!);
      expect(s.objective.value).toBeCloseTo(0.6, 9);
    }
  });

  it('whole counts over a budget by 1e-10 of it are given back: the engines accept both units, the lab one (both rows, both engines)', async () => {
    const tasks = ['x', 'y'].map((name) => ({ name, a: 1, t: 1, w: 1, lo: 0, hi: 1, n: null }));
    const raw = await solveHighs({ c: [1, 1], lo: [0, 0], hi: [1, 1], rows: [{ name: 'attention', coef: [1, 1], sense: '<=', rhs: 2 - 2e-10 }], integer: true });
    expect(Array.from(raw.x)).toEqual([1, 1]); // HiGHS alone breaks the budget
    for (const p of [{ budget: 2 - 2e-10, timeBudget: 10 }, { budget: 10, timeBudget: 2 - 2e-10 }])
      for (const engine of [HIGHS, GLPK]) {
        const s = await milp({ ...p, tasks, shareCap: null, unitsPerTask: [1, 1] }, 10, engine);
        expect(s).toMatchObject({ status: 'optimal', value: 1 });
        expect(s!.counts[0] + s!.counts[1]).toBe(1);
      }
  });

  it('a weight 1e-12 of the largest does not buy attention in the second pass', async () => {
    const tasks = [{ name: 'big', a: 0, t: 0, w: 4.6e-48, lo: 0, hi: 1, n: null }, { name: 'tiny', a: 0.00046, t: 0, w: 3.76e-60, lo: 0.1, hi: 1, n: null }];
    const s = await solve({ tasks, budget: 1, timeBudget: 0.5, shareCap: null, unitsPerTask: [10, 10] }, { policy: 'lp' });
    expect(s.pi[1]).toBeCloseTo(0.1, 9);
  });

  it('floors over the time budget by 8e-7 of it are infeasible, not optimal', async () => {
    const tasks = [{ name: 'a', a: 1, t: 5, w: 1, lo: 0.1, hi: 0.4, n: null }, { name: 'b', a: 1, t: 8e-7, w: 1, lo: 0.5, hi: 1, n: null }];
    const s = await solve({ tasks, budget: 10, timeBudget: 0.5, shareCap: null, unitsPerTask: [10, 10] }, { policy: 'lp' });
    expect(s.status).toBe('infeasible');
  });
});

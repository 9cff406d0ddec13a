/** The policies one by one: what each allocates, what the solve record says about it, and the problems it refuses. */
import { describe, expect, it } from 'vitest';
import { SolveParams, type SolveParams as Params, type TaskSet } from '../../src-main/api/schemas';
import { accuracyAt, checkProblem, POLICIES, problemFromTaskSet, type Problem, solveAllocation, sweep } from '../../src-main/solver';
import { dp } from '../../src-main/solver/dp';
import { solveDirect } from '../../src-main/solver/glpk';
import { solveHighs } from '../../src-main/solver/highs';
import { binds } from '../../src-main/solver/problem';

const solve = (p: Problem, params: Params) => solveAllocation(p, SolveParams.parse(params));
type T = Partial<Problem['tasks'][number]>;
/** Tasks from partial specs (a 1, t 0, w 1, bounds [0, 1], no data), 10 units each. */
const problem = (tasks: T[], over: Partial<Problem> = {}): Problem => ({
  tasks: tasks.map((t, i) => ({ name: `t${i}`, a: 1, t: 0, w: 1, lo: 0, hi: 1, n: null, ...t })),
  budget: 1, timeBudget: null, shareCap: null, unitsPerTask: tasks.map(() => 10), ...over,
});
const close = (xs: number[], want: number[], digits = 9) => {
  expect(xs).toHaveLength(want.length);
  xs.forEach((v, i) => expect(v).toBeCloseTo(want[i], digits));
};

describe('the heuristic policies', () => {
  it('uniform: every task the same share, the largest the budget buys; closed form, not an optimum', async () => {
    const s = await solve(problem([{ a: 10 }, { a: 20 }, { a: 30 }], { budget: 30 }), { policy: 'uniform' });
    close(s.pi, [0.5, 0.5, 0.5], 11); // to the rounding of the sum (1e-12 of the budget)
    expect(s.status).toBe('feasible');
    close([s.objective.value, s.objective.attention, s.objective.time], [1.5, 30, 0], 10);
    expect(s.binding).toEqual(['attention']);
    expect(s.notes).toEqual([]);
    expect(s.engine).toBe('closed form (the lab)');
    expect(s.duals).toEqual({ attention: null, time: null }); // no shadow prices without an LP
    expect(s.counts).toEqual(s.pi.map((v) => v * 10));
  });

  it('a task held at its cap leaves the rest of the budget to the others, and the note says so', async () => {
    const s = await solve(problem([{ a: 10, hi: 0.2 }, { a: 10 }, { a: 10, lo: 0.9 }], { budget: 20 }), { policy: 'uniform' });
    // t0 at its cap 0.2, t2 at its floor 0.9 until s passes it: 2 + 10 s + 10 max(0.9, s) = 20 → s = 0.9
    close(s.pi, [0.2, 0.9, 0.9], 11);
    expect(s.notes).toEqual(['1 task(s) held at their floor or cap']);
  });

  it('size: π ∝ examples; temperature T: π ∝ examples^(1/T)', async () => {
    const sized = problem([{ n: 100 }, { n: 200 }, { n: 400 }], { budget: 1 });
    close((await solve(sized, { policy: 'size' })).pi, [1 / 7, 2 / 7, 4 / 7], 11);
    const p = problem([{ n: 100 }, { n: 400 }, { n: 900 }], { budget: 1 });
    close((await solve(p, { policy: 'temperature' })).pi, [1 / 6, 2 / 6, 3 / 6], 11); // T = 2 by default
    close((await solve(p, { policy: 'temperature', temperature: 0.5 })).pi, [1 / 98, 16 / 98, 81 / 98], 11);
  });

  it('the time budget binds as well as attention, and every task at its cap ends the fitting', async () => {
    const timed = await solve(problem([{ t: 1 }, { t: 3 }], { budget: 10, timeBudget: 2 }), { policy: 'uniform' });
    close(timed.pi, [0.5, 0.5], 11);
    expect(timed.binding).toEqual(['time']);
    const roomy = await solve(problem([{ a: 1 }, { a: 1 }], { budget: 10 }), { policy: 'uniform' });
    expect(roomy.pi).toEqual([1, 1]);
    expect(roomy.binding).toEqual([]);
  });

  it("seed-formula: the seed's π_i = a_i w_i / (A W) as written when it fits, scaled down (and said so) when not", async () => {
    const fits = await solve(problem([{ a: 10, w: 1 }, { a: 30, w: 3 }], { budget: 100 }), { policy: 'seed-formula' });
    close(fits.pi, [0.05, 0.45], 11); // W = 2: 10/200, 90/200
    expect(fits.notes).toEqual([]);
    const over = await solve(problem([{ a: 10, w: 1 }, { a: 30, w: 3 }], { budget: 20 }), { policy: 'seed-formula' });
    // as written: 0.25 and 2.25 (capped at 1), 32.5 attention; scaled by 2/7 it spends 20
    close(over.pi, [0.25 * (2 / 7), 2.25 * (2 / 7)], 11);
    expect(over.notes).toEqual(["the seed's formula exceeded the budget; scaled by 0.2857"]);
    // refusals are the user's to fix (invalid_input: HTTP 400, exit code 1), not the lab's fault
    await expect(solve(problem([{ w: 0 }, { w: 0 }]), { policy: 'seed-formula' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^weight: .* every weight is 0$/) });
    await expect(solve(problem([{ n: 5 }, {}]), { policy: 'size' })).rejects.toMatchObject({ code: 'invalid_input', message: "tasks[1] 't1': the size policy needs the task's number of examples (link a data set or set examples)" });
  });

  it('the heuristics ignore a share cap and say so; floors over the budget are infeasible', async () => {
    const capped = await solve(problem([{}, {}], { budget: 2, shareCap: 0.5 }), { policy: 'uniform' });
    expect(capped.notes).toEqual(['the share cap applies to lp and milp; this policy ignores it']);
    expect(capped.binding).toEqual(['attention']);
    const over = await solve(problem([{ a: 10, lo: 0.5 }, { a: 10, lo: 0.5 }], { budget: 5 }), { policy: 'uniform' });
    expect(over).toMatchObject({ status: 'infeasible', pi: [], counts: [], binding: [], duals: { attention: null, time: null }, objective: { value: 0, attention: 0, time: 0 }, leastBudget: 10 });
    expect(over.explanation).toBe('floors alone need 10 attention units, the budget is 5 (t0 5, t1 5). The least budget that is feasible is 10.');
  });
});

describe('dp', () => {
  it('spends the least attention among the counts worth the most: a task worth nothing gets nothing', async () => {
    const s = await solve(problem([{ a: 2, w: 1 }, { a: 1, w: 0 }, { a: 4, w: 1 }], { budget: 4 }), { policy: 'dp' });
    expect(s.counts).toEqual([10, 0, 5]);
    expect(s.objective.attention).toBeCloseTo(4, 12);
    expect(s.engine).toBe('dynamic programme (the lab)');
    expect(s.status).toBe('optimal');
    expect(s.notes).toEqual([]);
    // a value reached below the budget: the least spend reaching it, not the budget
    const cheap = await solve(problem([{ a: 1, w: 1, hi: 0.5 }, { a: 1, w: 0 }], { budget: 4 }), { policy: 'dp' });
    expect(cheap.counts).toEqual([5, 0]);
    expect(cheap.objective.attention).toBeCloseTo(0.5, 12);
  });

  it('floors and caps in whole units, read as the user wrote them (0.3 × 10 is 3 units, not 4)', async () => {
    // in floating point 0.3 × 10 = 3.0000000000000004 and 0.29 × 100 = 28.999999999999996
    const s = await solve(problem([{ a: 1, lo: 0.3, w: 0 }, { a: 1, hi: 0.29 }], { budget: 10, unitsPerTask: [10, 100] }), { policy: 'dp' });
    expect(s.counts).toEqual([3, 29]);
    const m = await solve(problem([{ a: 1, lo: 0.3, w: 0 }, { a: 1, hi: 0.29 }], { budget: 10, unitsPerTask: [10, 100] }), { policy: 'milp' });
    expect(m.counts).toEqual([3, 29]);
  });

  it('floors and caps are whole units inside the bounds; costs on a decimal grid', async () => {
    const s = await solve(problem([{ a: 0.3, lo: 0.15, w: 0 }, { a: 0.7, hi: 0.35 }], { budget: 1 }), { policy: 'dp' });
    expect(s.counts).toEqual([2, 3]); // floor 1.5 → 2 units, cap 3.5 → 3
    expect(dp(problem([{ a: 1 }, { a: 1 }], { budget: 0.05 }))).toEqual({ counts: [0, 0], value: 0, status: 'optimal' });
    const infeasible = await solve(problem([{ a: 1, lo: 1 }, { a: 1 }], { budget: 0.5 }), { policy: 'dp' });
    expect(infeasible.status).toBe('infeasible');
  });

  it('refuses what it cannot solve, naming the way out', () => {
    const refusal = (f: () => unknown, message: RegExp) => {
      let e: unknown;
      try { f(); } catch (x) { e = x; }
      expect(e).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) });
    };
    refusal(() => dp(problem([{}], { shareCap: 0.5 })), /^shareCap: dp handles the attention budget and the bounds only; use milp with a share cap$/);
    refusal(() => dp(problem([{}], { timeBudget: 1 })), /^timeBudget: dp handles/);
    refusal(() => dp(problem([{ a: 1 }, { a: Math.PI }])), /^dp needs attention per unit on a decimal grid: task 't1' costs 0\.314159\d* per unit \(a = 3\.14159\d* over 10 units\); use milp$/);
    refusal(() => dp(problem([{ a: 1 }], { budget: 1000, unitsPerTask: [1000] })), /^dp would fill 1\.0e\+9 cells \(budget 1000000 grid units\); it is meant for small sets — use milp$/);
    refusal(() => dp(problem([{ a: 1, lo: 0.5 }], { budget: 1000, unitsPerTask: [1000] })), /^dp would fill 5\.0e\+8 cells/); // only counts from the floor up
    // a millionth per unit is the finest grid dp takes
    expect(dp(problem([{ a: 0.001 }], { budget: 0.001, unitsPerTask: [1000] }))).toEqual({ counts: [1000], value: 1, status: 'optimal' });
    expect(dp(problem([{ a: 1 }], { budget: 1, unitsPerTask: [1000] }))).toEqual({ counts: [1000], value: 1, status: 'optimal' });
    // a budget off every grid (π of a sweep's budget) is floored onto the costs' grid, not refused
    expect(dp(problem([{ a: 1 }, { a: 2 }], { budget: 1.23456789012, unitsPerTask: [10, 10] }))).toEqual(dp(problem([{ a: 1 }, { a: 2 }], { budget: 1.2, unitsPerTask: [10, 10] })));
  });
});

describe('the curve policy', () => {
  const curves = { t0: { alpha: 0.9, beta: 0.8, gamma: 0.5 }, t1: { alpha: 0.8, beta: 0.4, gamma: 0.5 } };

  it('equal curves and costs split the budget evenly; the prediction is the weighted accuracy at π', async () => {
    const same = { t0: curves.t0, t1: curves.t0 };
    const s = await solve(problem([{ n: 400 }, { n: 400 }], { budget: 1 }), { policy: 'curve', curves: same });
    close(s.pi, [0.5, 0.5], 2); // the value is exact to 1e-9; π on a flat top to about 1e-4
    expect(s.objective.predictedAccuracy).toBeCloseTo(accuracyAt(curves.t0, 200), 7);
    expect(s.status).toBe('optimal');
    expect(s.engine).toMatch(/^GLPK /);
  });

  it('at the optimum each task with room to move buys the same weighted accuracy per attention unit: the shadow price', async () => {
    const p = problem([{ n: 400, a: 2, w: 1 }, { n: 900, a: 1, w: 2 }], { budget: 1.2 });
    const s = await solve(p, { policy: 'curve', curves });
    expect(s.binding).toEqual(['attention']);
    expect(s.objective.attention).toBeLessThanOrEqual(1.2 * (1 + 1e-12));
    const slope = (c: { beta: number; gamma: number }, x: number) => c.beta * c.gamma * x ** (-c.gamma - 1);
    const marginal = [0, 1].map((i) => (p.tasks[i].w * slope(Object.values(curves)[i], s.pi[i] * p.tasks[i].n!) * p.tasks[i].n!) / p.tasks[i].a);
    for (const m of marginal) expect(Math.abs(m / s.duals.attention! - 1)).toBeLessThan(1e-3);
    expect(s.pi.every((v) => v > 0.05 && v < 0.95)).toBe(true);
    // weights 1 and 2: the prediction is their weighted mean
    const acc = [0, 1].map((i) => accuracyAt(Object.values(curves)[i], s.pi[i] * p.tasks[i].n!));
    expect(s.objective.predictedAccuracy).toBeCloseTo((acc[0] + 2 * acc[1]) / 3, 9);
    // and no nearby point on the budget does better
    const value = (pi: number[]) => pi.reduce((sum, v, i) => sum + p.tasks[i].w * accuracyAt(Object.values(curves)[i], v * p.tasks[i].n!), 0);
    for (const d of [-0.01, 0.01]) expect(value([s.pi[0] + d, s.pi[1] - 2 * d])).toBeLessThan(value(s.pi));
  });

  it('with a time budget the time dual is reported; tasks without data count units', async () => {
    const s = await solve(problem([{ t: 1 }, { t: 1 }], { budget: 100, timeBudget: 1 }), { policy: 'curve', curves });
    expect(s.binding).toEqual(['time']);
    expect(s.duals.attention).toBeCloseTo(0, 9);
    expect(s.duals.time!).toBeGreaterThan(0);
    const untimed = await solve(problem([{}, {}], { budget: 1 }), { policy: 'curve', curves });
    expect(untimed.duals.time).toBeNull();
    expect(untimed.duals.attention!).toBeGreaterThan(0);
  });

  it('a task without a curve is refused by name', async () => {
    await expect(solve(problem([{}, {}]), { policy: 'curve', curves: { t0: curves.t0 } })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^curves: the curve policy needs a learning curve for task 't1' \(tasks\[1\]\)/) });
  });

  it('all weights 0 predict 0; floors over the budget are infeasible', async () => {
    const s = await solve(problem([{ w: 0, n: 100 }, { w: 0, n: 100 }]), { policy: 'curve', curves });
    expect(s.objective.predictedAccuracy).toBe(0);
    expect((await solve(problem([{ lo: 1 }, { lo: 1 }]), { policy: 'curve', curves })).status).toBe('infeasible');
  });
});

describe('infeasibility explained', () => {
  it('the share cap with a floor raises the least budget above the floors', async () => {
    // π0 ≥ 0.5 and π0 ≤ ½ (π0 + π1) force π1 ≥ 0.5: 0.5 + 50 attention
    const s = await solve(problem([{ a: 1, lo: 0.5 }, { a: 100 }], { budget: 10, shareCap: 0.5 }), { policy: 'lp' });
    expect(s.explanation).toBe('the floors and the share cap need at least 50.5 attention units, the budget is 10. The least budget that is feasible is 50.5.');
    expect(s.leastBudget).toBeCloseTo(50.5, 9);
  });

  it('caps against the share cap: no budget helps', async () => {
    // π1 ≥ 0.5 needs π0 ≥ π1 under a share cap of ½, but π0 ≤ 0.1
    const s = await solve(problem([{ hi: 0.1 }, { lo: 0.5 }], { budget: 10, shareCap: 0.5 }), { policy: 'lp' });
    expect(s.explanation).toBe('the floors, caps, time budget and share cap conflict with one another, whatever the attention budget.');
    expect(s.leastBudget).toBeNull();
  });

  it('time and attention both at fault: both named, the attention budget first', async () => {
    const s = await solve(problem([{ a: 10, t: 2, lo: 0.5 }, { a: 10, t: 2, lo: 0.5 }], { budget: 5, timeBudget: 1 }), { policy: 'lp' });
    expect(s.explanation).toBe('floors alone need 2 s of time, the time budget is 1 s (t0 1, t1 1).');
    const both = await solve(problem([{ a: 10, t: 2, lo: 0.5 }, { a: 10, t: 2, lo: 0.5 }], { budget: 5, timeBudget: 3 }), { policy: 'milp' });
    expect(both.explanation).toBe('floors alone need 10 attention units, the budget is 5 (t0 5, t1 5). The least budget that is feasible is 10.');
    // a task without a floor is no offender
    const three = await solve(problem([{ a: 10, lo: 0.5 }, { a: 30 }, { a: 20, lo: 0.5 }], { budget: 5 }), { policy: 'lp' });
    expect(three.explanation).toBe('floors alone need 15 attention units, the budget is 5 (t2 10, t0 5). The least budget that is feasible is 15.');
  });

  it('no time budget: the time the floors take is no reason; three offenders are named without "largest"', async () => {
    const s = await solve(problem([{ a: 10, t: 5, lo: 0.5 }, { a: 10, t: 5, lo: 0.5 }, { a: 20, t: 5, lo: 0.5 }], { budget: 5 }), { policy: 'lp' });
    expect(s.explanation).toBe('floors alone need 20 attention units, the budget is 5 (t2 10, t0 5, t1 5). The least budget that is feasible is 20.');
  });

  it('a share cap under 1/n with one floor above 0, and the floors over the time budget: both said', async () => {
    // π0 ≥ 0.1 but every π ≤ 0.2 S: S ≤ 0.6 S, so S = 0; no attention budget helps
    const s = await solve(problem([{ lo: 0.1, t: 1 }, {}, {}], { budget: 10, shareCap: 0.2, timeBudget: 0.05 }), { policy: 'lp' });
    expect(s.explanation).toBe('floors alone need 0.1 s of time, the time budget is 0.05 s (t0 0.1); a share cap of 0.2 over 3 tasks cannot hold (the shares would sum to at most 0.6 of the total) while any floor is above 0.');
    expect(s.leastBudget).toBeNull();
  });

  it('milp and dp explain with floors rounded up to whole units', async () => {
    // floor 0.15 of 10 units is 2 units (0.2): 2 attention, over a budget of 1.6 the fractional floor (1.5) fits
    for (const policy of ['milp', 'dp'] as const) {
      const s = await solve(problem([{ a: 10, lo: 0.15 }, {}], { budget: 1.6 }), { policy });
      expect(s.status).toBe('infeasible');
      expect(s.explanation).toBe('floors alone need 2 attention units, the budget is 1.6 (t0 2). The least budget that is feasible is 2.');
    }
    expect((await solve(problem([{ a: 10, lo: 0.15 }, {}], { budget: 1.6 }), { policy: 'lp' })).status).toBe('optimal');
  });
});

describe('the solve record', () => {
  it('lp: counts are π × units; binding rows; optimal', async () => {
    const s = await solve(problem([{ a: 1, t: 1 }, { a: 3, t: 1 }], { budget: 2, timeBudget: 1.5, unitsPerTask: [10, 40] }), { policy: 'lp' });
    close(s.pi, [1, 1 / 3]);
    close(s.counts, [10, 40 / 3]);
    expect(s.unitsPerTask).toEqual([10, 40]);
    expect(s.binding).toEqual(['attention']);
    expect(s.status).toBe('optimal');
    expect(s.tasks).toEqual(['t0', 't1']);
    expect(s.explanation).toBeNull();
    expect(s.solverMs).toBeGreaterThan(0);
  });

  it('a share cap that binds names its tasks', async () => {
    // t0 then t1 are the best buys, each at most 0.4 of the total 1.5 the budget buys; t2 takes the rest
    for (const policy of ['lp', 'milp'] as const) {
      const s = await solve(problem([{ w: 3 }, { w: 2 }, { w: 1 }], { budget: 1.5, shareCap: 0.4 }), { policy });
      close(s.pi, [0.6, 0.6, 0.3]);
      expect(s.binding).toEqual(['attention', 'share:t0', 'share:t1']);
    }
  });

  it('names the engine that solved it, and describes every policy', async () => {
    const p = problem([{}, {}]);
    expect((await solve(p, { policy: 'lp' })).engine).toMatch(/^GLPK \d+\.\d+ \(glpk\.js\)$/);
    expect((await solve(p, { policy: 'milp' })).engine).toMatch(/^HiGHS \d+\.\d+\.\d+$/);
    expect(Object.keys(POLICIES)).toEqual(['uniform', 'size', 'temperature', 'seed-formula', 'lp', 'milp', 'dp', 'curve']);
    for (const rule of Object.values(POLICIES)) expect(rule).toMatch(/π|LP|whole|dynamic/);
  });

  it('binds: a row within 1e-7 of its cap binds, one further under does not', () => {
    expect([binds(100, 100), binds(100 - 1e-6, 100), binds(100 - 1e-4, 100), binds(1e-8, 0)]).toEqual([true, true, false, true]);
  });
});

describe('sweeps', () => {
  it('budgets evenly spaced from the least feasible to every task at its cap; one point is the cap', async () => {
    const p = problem([{ a: 1, lo: 0.5 }, { a: 3 }]);
    const sw = await sweep(p, SolveParams.parse({ policy: 'lp' }), 3);
    expect(sw.points.map((x) => x.budget)).toEqual([0.5, 2.25, 4]);
    expect(sw.totalAttention).toBe(4);
    expect(sw.tasks).toEqual(['t0', 't1']);
    close(sw.points.map((x) => x.value), [0.5, 1 + 1.25 / 3, 2]);
    const one = await sweep(p, SolveParams.parse({ policy: 'lp' }), 1);
    expect(one.points.map((x) => x.budget)).toEqual([4]);
    const none = await sweep(problem([{ hi: 0.1 }, { lo: 0.5 }], { shareCap: 0.5 }), SolveParams.parse({ policy: 'lp' }), 3);
    expect([none.points, none.leastBudget, none.totalAttention]).toEqual([[], NaN, 1.1]);
    const free = await sweep(problem([{ a: 1 }, { a: 3 }]), SolveParams.parse({ policy: 'lp' }), 2);
    expect(free.points[0].budget).toBeCloseTo(4e-6, 15); // from a millionth of the total, not from 0
    expect(sw.points.every((x) => !('predictedAccuracy' in x))).toBe(true); // lp predicts no accuracy
  });

  it('a sweep of the curve policy carries each budget\'s predicted accuracy, rising with the budget', async () => {
    const curve = { alpha: 0.9, beta: 0.8, gamma: 0.5 };
    const p = problem([{ n: 400 }, { n: 400 }], { budget: 1 });
    const sw = await sweep(p, SolveParams.parse({ policy: 'curve', curves: { t0: curve, t1: curve } }), 3);
    const predicted = sw.points.map((x) => x.predictedAccuracy!);
    expect(predicted.every((v) => typeof v === 'number' && v > 0 && v < 1)).toBe(true);
    expect(predicted[2]).toBeGreaterThan(predicted[0]);
    expect(predicted[2]).toBeCloseTo(accuracyAt(curve, 400), 6); // every task at its cap: all 400 examples
  });
});

describe('the problem', () => {
  const set = (over: Partial<TaskSet> = {}): TaskSet => ({
    id: 1, name: 's', description: '', budget: 50, timeBudget: 7, createdAt: '', updatedAt: '',
    tasks: [
      { id: 1, position: 0, name: 'data', attentionCost: 10, attentionMeasured: true, timeCost: 1, timeMeasured: false, weight: 2, floor: 0.1, cap: 0.9, examples: 100, datasetId: 1, datasetName: 'd' },
      { id: 2, position: 1, name: 'synthetic', attentionCost: 5, attentionMeasured: false, timeCost: 0, timeMeasured: false, weight: 1, floor: 0, cap: 1, examples: null, datasetId: null, datasetName: null },
    ],
    ...over,
  });

  it('from a task set: its budgets unless the solve names others; units are batches, or `units` without data', () => {
    const p = problemFromTaskSet(set(), SolveParams.parse({ policy: 'lp' }));
    expect(p).toEqual({
      tasks: [{ name: 'data', a: 10, t: 1, w: 2, lo: 0.1, hi: 0.9, n: 100 }, { name: 'synthetic', a: 5, t: 0, w: 1, lo: 0, hi: 1, n: null }],
      budget: 50, timeBudget: 7, shareCap: null, unitsPerTask: [4, 100],
    });
    const q = problemFromTaskSet(set(), SolveParams.parse({ policy: 'lp', budget: 20, timeBudget: null, shareCap: 0.5, batchSize: 10, units: 7 }));
    expect([q.budget, q.timeBudget, q.shareCap, q.unitsPerTask]).toEqual([20, null, 0.5, [10, 7]]);
    expect(problemFromTaskSet(set({ timeBudget: null }), SolveParams.parse({ policy: 'lp', timeBudget: 3 })).timeBudget).toBe(3);
  });

  it('checkProblem refuses each bad field by name, and takes the edges', () => {
    const bad: [Partial<Problem>, T, string][] = [
      [{ budget: -1 }, {}, 'budget: must be a finite number > 0 (got -1)'],
      [{ budget: 0 }, {}, 'budget: must be a finite number > 0 (got 0)'],
      [{}, { lo: 0.6, hi: 0.4 }, "tasks[1] 't1'.floor: floor 0.6 exceeds cap 0.4"],
      [{ budget: Infinity }, {}, 'budget: must be a finite number > 0 (got Infinity)'],
      [{ timeBudget: 0 }, {}, 'timeBudget: must be a finite number > 0 (got 0)'],
      [{ timeBudget: Infinity }, {}, 'timeBudget: must be a finite number > 0 (got Infinity)'],
      [{ shareCap: 0 }, {}, 'shareCap: must be in (0, 1] (got 0)'],
      [{ shareCap: 1.5 }, {}, 'shareCap: must be in (0, 1] (got 1.5)'],
      [{}, { lo: -0.1 }, "tasks[1] 't1'.floor: must be in [0, 1] (got -0.1)"],
      [{}, { lo: 1.1, hi: 1 }, "tasks[1] 't1'.floor: must be in [0, 1] (got 1.1)"],
      [{}, { hi: 1.2 }, "tasks[1] 't1'.cap: must be in [0, 1] (got 1.2)"],
      [{}, { hi: -1, lo: 0 }, "tasks[1] 't1'.cap: must be in [0, 1] (got -1)"],
      [{}, { n: 0 }, "tasks[1] 't1'.examples: must be a whole number > 0 (got 0)"],
      [{}, { n: 2.5 }, "tasks[1] 't1'.examples: must be a whole number > 0 (got 2.5)"],
      [{}, { name: 't0' }, "tasks[1] 't0'.name: duplicate task name"],
      [{}, { a: -1 }, "tasks[1] 't1'.attentionCost: must be a finite number ≥ 0 (got -1)"],
    ];
    for (const [over, task, message] of bad) {
      let e: unknown;
      try { checkProblem(problem([{}, task], over)); } catch (x) { e = x; }
      expect(e).toMatchObject({ code: 'invalid_input', message });
    }
    const edges = problem([{ a: 0, t: 0, w: 0, lo: 0, hi: 0 }, { lo: 1, hi: 1, n: 1 }], { shareCap: 1, timeBudget: 1e-9 });
    expect(checkProblem(edges)).toBe(edges);
  });
});

describe('rows the engines never see', () => {
  // A row whose every coefficient is 0 (every task free of attention, say) decides feasibility
  // alone; glpk and HiGHS both refuse such a row, so the lab checks 0 ≤ / ≥ / = rhs itself.
  const lp = (sense: '<=' | '>=' | '=', rhs: number, coef = [0, 0]) => ({ c: [1, 2], lo: [0, 0], hi: [1, 1], rows: [{ name: 'r', coef, sense, rhs }] });
  it.each([
    ['<=', 1, 'optimal'], ['<=', 0, 'optimal'], ['<=', -1, 'infeasible'],
    ['>=', -1, 'optimal'], ['>=', 0, 'optimal'], ['>=', 1, 'infeasible'],
    ['=', 0, 'optimal'], ['=', 1, 'infeasible'], ['=', -1, 'infeasible'],
  ] as const)('0 %s %d is %s, on glpk and on HiGHS', async (sense, rhs, status) => {
    for (const solve of [solveDirect, solveHighs]) {
      const r = await solve(lp(sense, rhs));
      expect(r.status).toBe(status);
      if (status === 'optimal') expect(r.z).toBeCloseTo(3, 9);
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SolveParams, type SolveParams as Params } from '../../src-main/api/schemas';
import { Lab } from '../../src-main/lab';
import { GLPK } from '../../src-main/solver/engine';
import { solveDirect } from '../../src-main/solver/glpk';
import { milp } from '../../src-main/solver/milp';
import { type Problem, solveAllocation, sweep } from '../../src-main/solver';
import { readJsonFile } from '../../src-main/cli/files';
import { cli } from './helpers/cli';
import { tmpDir } from './helpers/tmp';

const solve = (p: Problem, params: Params) => solveAllocation(p, SolveParams.parse(params));
const seed = (): Problem => {
  const a = [10, 10, 10, 20, 30, 30];
  return { tasks: a.map((x, i) => ({ name: `t${i + 1}`, a: x, t: x / 100, w: 1, lo: 0, hi: 1, n: null })), budget: 100, timeBudget: null, shareCap: null, unitsPerTask: a.map(() => 100) };
};
const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);

describe("the seed's worked example", () => {
  it('lp finds π = (1, 1, 1, 1, 1, 2/3), objective 5.667, shadow price 1/30', async () => {
    const s = await solve(seed(), { policy: 'lp' });
    expect(s.status).toBe('optimal');
    s.pi.forEach((v, i) => expect(v).toBeCloseTo([1, 1, 1, 1, 1, 2 / 3][i], 9));
    expect(s.objective.value).toBeCloseTo(17 / 3, 9);
    expect(s.duals.attention).toBeCloseTo(1 / 30, 9);
    expect(s.binding).toEqual(['attention']);
  });

  it("seed-formula gives the seed's printed closed form", async () => {
    const s = await solve(seed(), { policy: 'seed-formula' });
    s.pi.forEach((v, i) => expect(v).toBeCloseTo([0.1, 0.1, 0.1, 0.2, 0.3, 0.3][i], 12));
    expect(s.objective.attention).toBeCloseTo(25, 9);
  });

  it('milp and dp agree on whole units, and the CLI shows the formula beside the LP', async () => {
    const [m, d] = [await solve(seed(), { policy: 'milp' }), await solve(seed(), { policy: 'dp' })];
    expect(m.objective.value).toBeCloseTo(5.66, 9);
    expect(d.objective.value).toBeCloseTo(m.objective.value, 9);
    expect(d.objective.attention).toBeCloseTo(m.objective.attention, 9);
    m.counts.forEach((c) => expect(Number.isInteger(Math.round(c * 1e9) / 1e9)).toBe(true));
  });
});

describe('the seed example through the CLI', () => {
  const dir = tmpDir();
  it('prints both the formula and the LP optimum, and says which is which', async () => {
    const db = `${dir}/lab.db`;
    await cli(['--db', db, 'task-set', 'create', 'resources/seed-example.taskset.json']);
    const r = await cli(['--db', db, 'solve', 'seed example', '--policy', 'seed-formula']);
    expect(r.stdout).toMatch(/t6\s+30\s+0\.3\s+1\s+0\.3\s+0\.6667/);
    expect(r.stdout).toMatch(/the seed's formula is a closed form, not an optimum: the LP optimum is Σ w·π = 5\.6667 against the formula's 1\.1/);
    const lp = await cli(['--db', db, 'solve', '1']);
    expect(lp.stdout).toMatch(/shadow price of attention 0\.03333/);
    expect(lp.stdout).toMatch(/objective Σ w·π = 5\.6667/);
    const info = JSON.parse((await cli(['--db', db, 'db', 'info', '--json'])).stdout);
    expect(info.counts.solves).toBe(3); // formula, its LP comparison, and the lp solve
    expect(lp.stdout).toMatch(/solved in [\d.]+ ms by GLPK 5\.0 \(glpk\.js\)/);
    const m = await cli(['--db', db, 'solve', '1', '--policy', 'milp']);
    expect(m.stdout).toMatch(/policy milp — optimal/);
    expect(m.stdout).toMatch(/solved in [\d.]+ ms by HiGHS 1\.\d+\.\d+/);
    const stored = JSON.parse((await cli(['--db', db, 'solve', '1', '--policy', 'dp', '--json'])).stdout);
    expect(stored.engine).toBe('dynamic programme (the lab)');
  });
});

/** Exact LP optimum by enumerating vertices: every variable at a bound except ≤ (number of rows) free ones on tight rows. */
function bruteForceLp(p: Problem): number | null {
  const n = p.tasks.length;
  const rows = [{ c: p.tasks.map((t) => t.a), b: p.budget }, ...(p.timeBudget !== null ? [{ c: p.tasks.map((t) => t.t), b: p.timeBudget }] : [])];
  let best: number | null = null;
  const consider = (x: number[]) => {
    if (x.some((v, i) => v < p.tasks[i].lo - 1e-9 || v > p.tasks[i].hi + 1e-9)) return;
    if (rows.some((r) => dot(r.c, x) > r.b * (1 + 1e-9) + 1e-9)) return;
    const v = dot(p.tasks.map((t) => t.w), x);
    if (best === null || v > best) best = v;
  };
  for (let mask = 0; mask < 2 ** n; mask++) {
    const base = p.tasks.map((t, i) => (mask >> i) & 1 ? t.hi : t.lo);
    consider(base);
    for (let f = 0; f < n; f++) for (const r of rows) {
      // one free variable making row r tight
      if (r.c[f] === 0) continue;
      const x = [...base];
      x[f] = (r.b - dot(r.c, base) + r.c[f] * base[f]) / r.c[f];
      consider(x);
    }
    if (rows.length === 2)
      for (let f = 0; f < n; f++) for (let g = f + 1; g < n; g++) {
        const [r0, r1] = rows;
        const rest0 = r0.b - dot(r0.c, base) + r0.c[f] * base[f] + r0.c[g] * base[g];
        const rest1 = r1.b - dot(r1.c, base) + r1.c[f] * base[f] + r1.c[g] * base[g];
        const det = r0.c[f] * r1.c[g] - r0.c[g] * r1.c[f];
        if (Math.abs(det) < 1e-12) continue;
        const x = [...base];
        x[f] = (rest0 * r1.c[g] - r0.c[g] * rest1) / det;
        x[g] = (r0.c[f] * rest1 - rest0 * r1.c[f]) / det;
        consider(x);
      }
  }
  return best;
}

const smallProblem = (opts: { time: boolean; integral?: boolean }) =>
  fc
    .array(
      fc.record({
        a: opts.integral ? fc.integer({ min: 0, max: 40 }) : fc.double({ min: 0, max: 50, noNaN: true }),
        t: fc.double({ min: 0, max: 5, noNaN: true }),
        w: opts.integral ? fc.integer({ min: 0, max: 5 }) : fc.double({ min: 0, max: 3, noNaN: true }),
        lo: fc.constantFrom(0, 0, 0.1, 0.2, 0.5),
        span: fc.constantFrom(1, 0.5, 0.3, 0.8),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .chain((ts) =>
      fc.record({
        tasks: fc.constant(ts.map((x, i) => ({ name: `t${i}`, a: x.a, t: x.t, w: x.w, lo: x.lo, hi: Math.min(1, x.lo + x.span), n: null }))),
        budget: opts.integral ? fc.integer({ min: 1, max: 150 }) : fc.double({ min: 1, max: 150, noNaN: true }),
        timeBudget: opts.time ? fc.double({ min: 0.5, max: 15, noNaN: true }) : fc.constant(null),
      }),
    )
    .map((p): Problem => ({ ...p, shareCap: null, unitsPerTask: p.tasks.map(() => 10) }));

describe('properties on random small instances', () => {
  it('lp equals the brute-force vertex optimum (attention row, and attention + time rows)', async () => {
    for (const time of [false, true])
      await fc.assert(
        fc.asyncProperty(smallProblem({ time }), async (p) => {
          const s = await solve(p, { policy: 'lp' });
          const best = bruteForceLp(p);
          if (best === null) {
            expect(s.status).toBe('infeasible');
            return;
          }
          expect(s.status).toBe('optimal');
          expect(Math.abs(s.objective.value - best)).toBeLessThan(1e-6 * Math.max(1, best));
        }),
        { numRuns: 300 },
      );
  });

  it('dp equals milp in value and attention, and milp on glpk.js agrees with milp on HiGHS', async () => {
    await fc.assert(
      fc.asyncProperty(smallProblem({ time: false, integral: true }), async (p) => {
        const [m, d] = [await solve(p, { policy: 'milp', units: 10 }), await solve(p, { policy: 'dp', units: 10 })];
        expect(m.engine).toMatch(/^HiGHS /);
        expect(d.status).toBe(m.status);
        const g = await milp(p, 10, GLPK);
        expect(g === null).toBe(m.status === 'infeasible');
        if (m.status === 'infeasible') return;
        expect(d.objective.value).toBeCloseTo(m.objective.value, 6);
        expect(d.objective.attention).toBeCloseTo(m.objective.attention, 6);
        const gAttention = dot(p.tasks.map((t) => t.a), g!.counts.map((c) => c / 10));
        expect(g!.value).toBeCloseTo(m.objective.value, 6);
        expect(gAttention).toBeCloseTo(m.objective.attention, 6);
      }),
      { numRuns: 300 },
    );
  });

  it('every policy respects the budget and the bounds', async () => {
    const withSizes = smallProblem({ time: true }).map((p) => ({ ...p, tasks: p.tasks.map((t, i) => ({ ...t, n: 50 + 37 * i })) }));
    await fc.assert(
      fc.asyncProperty(withSizes, fc.constantFrom('uniform', 'size', 'temperature', 'seed-formula', 'lp', 'milp', 'curve'), async (p, policy) => {
        const curves = Object.fromEntries(p.tasks.map((t, i) => [t.name, { alpha: 0.9, beta: 0.3 + 0.1 * i, gamma: 0.4 }]));
        if (policy === 'seed-formula' && p.tasks.every((t) => t.w === 0)) {
          await expect(solve(p, { policy })).rejects.toThrow('every weight is 0');
          return;
        }
        const s = await solve(p, { policy: policy as 'lp', curves });
        if (s.status === 'infeasible') {
          expect(s.explanation).toBeTruthy();
          return;
        }
        s.pi.forEach((v, i) => {
          expect(v).toBeGreaterThanOrEqual(p.tasks[i].lo - 1e-9);
          expect(v).toBeLessThanOrEqual(p.tasks[i].hi + 1e-9);
        });
        // No solver tolerance: only the rounding of the sum itself (1e-12 of it).
        expect(s.objective.attention).toBeLessThanOrEqual(p.budget * (1 + 1e-12));
        expect(s.objective.time).toBeLessThanOrEqual(p.timeBudget! * (1 + 1e-12));
      }),
      { numRuns: 400 },
    );
  });

  it('the lexicographic pass never lowers the value, and never spends more attention', async () => {
    await fc.assert(
      fc.asyncProperty(smallProblem({ time: true }), async (p) => {
        const first = await solveDirect({ c: p.tasks.map((t) => t.w), lo: p.tasks.map((t) => t.lo), hi: p.tasks.map((t) => t.hi), rows: [{ name: 'attention', coef: p.tasks.map((t) => t.a), sense: '<=', rhs: p.budget }, { name: 'time', coef: p.tasks.map((t) => t.t), sense: '<=', rhs: p.timeBudget! }] });
        const s = await solve(p, { policy: 'lp' });
        if (first.status !== 'optimal') return;
        // glpk's point may break a row within its 1e-7 tolerance; the lab's may not, so such a point is no baseline
        const x = Array.from(first.x);
        if (dot(p.tasks.map((t) => t.a), x) > p.budget || dot(p.tasks.map((t) => t.t), x) > p.timeBudget!) return;
        expect(s.objective.value).toBeGreaterThanOrEqual(first.z - 1e-9 * Math.max(1, first.z));
        // glpk alone may stop at a vertex its 1e-7 reduced-cost tolerance calls optimal; where ours is worth more, attention may differ.
        if (s.objective.value > first.z) return;
        expect(s.objective.attention).toBeLessThanOrEqual(dot(p.tasks.map((t) => t.a), Array.from(first.x)) + 1e-7);
      }),
      { numRuns: 300 },
    );
  });

  it('a tie on the binding time row goes to the tasks that cost the least attention (lp and milp)', async () => {
    // Every task buys 2 per second of time; attention costs 10 … 1. Any 1.5 s of time is optimal;
    // the least attention is t5 whole and t4 half (2 units). A first pass alone spent 14 (lp) and 3 (milp).
    const tasks = [10, 8, 6, 4, 2, 1].map((a, i) => ({ name: `t${i}`, a, t: 1, w: 2, lo: 0, hi: 1, n: null }));
    const p: Problem = { tasks, budget: 1000, timeBudget: 1.5, shareCap: null, unitsPerTask: tasks.map(() => 10) };
    for (const policy of ['lp', 'milp'] as const) {
      const s = await solve(p, { policy });
      expect(s.binding).toEqual(['time']);
      expect(s.objective.value).toBeCloseTo(3, 9);
      expect(s.objective.attention).toBeCloseTo(2, 9);
      expect(s.pi.slice(0, 4)).toEqual([0, 0, 0, 0]);
    }
  });
});

describe('infeasible sets are explained', () => {
  it('names the floors at fault and the least feasible budget', async () => {
    const p = { ...seed(), tasks: seed().tasks.map((t) => ({ ...t, lo: 0.5 })), budget: 50 };
    const s = await solve(p, { policy: 'lp' });
    expect(s.status).toBe('infeasible');
    expect(s.explanation).toMatch(/floors alone need 55 attention units, the budget is 50 \(largest: t5 15, t6 15, t4 10, and 3 more\)/);
    expect(s.leastBudget).toBeCloseTo(55, 9);
    expect((await solve(p, { policy: 'uniform' })).explanation).toMatch(/floors alone need 55/);
  });

  it('names a time budget the floors cannot meet', async () => {
    const p = { ...seed(), tasks: seed().tasks.map((t) => ({ ...t, lo: 0.5 })), timeBudget: 0.3 };
    const s = await solve(p, { policy: 'milp' });
    expect(s.explanation).toMatch(/floors alone need 0\.55 s of time, the time budget is 0\.3 s/);
    expect(s.leastBudget).toBeNull();
  });

  it('explains a share cap that cannot hold with positive floors', async () => {
    const p = { ...seed(), tasks: seed().tasks.map((t) => ({ ...t, lo: 0.1 })), shareCap: 0.1 };
    const s = await solve(p, { policy: 'lp' });
    expect(s.explanation).toMatch(/share cap of 0\.1 over 6 tasks cannot hold/);
  });
});

describe('share caps and sweeps', () => {
  it('a share cap keeps every task at or under its share of the total', async () => {
    // Without the cap, budget 30 buys t1–t3 whole: a third of the total each.
    const s = await solve({ ...seed(), budget: 30, shareCap: 0.2 }, { policy: 'lp' });
    const total = s.pi.reduce((x, y) => x + y, 0);
    s.pi.forEach((v) => expect(v).toBeLessThanOrEqual(0.2 * total + 1e-9));
    expect(s.binding.some((b) => b.startsWith('share:'))).toBe(true);
  });

  it('a Pareto sweep rises from the least feasible budget to every task at its cap', async () => {
    const sw = await sweep({ ...seed(), tasks: seed().tasks.map((t) => ({ ...t, lo: 0.1 })) }, SolveParams.parse({ policy: 'lp' }), 8);
    expect(sw.leastBudget).toBeCloseTo(11, 9);
    expect(sw.points[0].budget).toBeCloseTo(11, 9);
    expect(sw.points.at(-1)!.value).toBeCloseTo(6, 9);
    for (let k = 1; k < sw.points.length; k++) expect(sw.points[k].value).toBeGreaterThanOrEqual(sw.points[k - 1].value - 1e-9);
    // Concave frontier: the shadow price never rises with the budget.
    for (let k = 1; k < sw.points.length; k++) expect(sw.points[k].dual!).toBeLessThanOrEqual(sw.points[k - 1].dual! + 1e-9);
  });
});

describe('bad input is refused with the field named, and nothing is stored', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['unknown policy', { policy: 'magic' }, /policy/],
    ['budget ≤ 0', { policy: 'lp', budget: 0 }, /budget: budget must be > 0/],
    ['NaN budget', { policy: 'lp', budget: NaN }, /budget/],
    ['infinite budget', { policy: 'lp', budget: Infinity }, /budget: budget must be a finite number/],
    ['temperature ≤ 0', { policy: 'temperature', temperature: -1 }, /temperature: temperature must be > 0/],
    ['size without examples', { policy: 'size' }, /tasks\[0\] 't1': the size policy needs the task's number of examples/],
    ['curve without curves', { policy: 'curve' }, /curves: the curve policy needs a learning curve for task 't1'/],
    ['dp with a time budget', { policy: 'dp', timeBudget: 3 }, /timeBudget: dp handles the attention budget and the bounds only/],
    ['unknown task set', { policy: 'lp', taskSetId: 99 }, /task set 99 does not exist/],
    ['unknown field', { policy: 'lp', budgett: 3 }, /budgett/],
  ];
  it.each(cases)('%s', async (_, params, message) => {
    const lab = new Lab(':memory:');
    const set = await lab.call('taskSets/create', readJsonFile('resources/seed-example.taskset.json'));
    await expect(lab.call('solve/run', { taskSetId: set.id, ...params } as never)).rejects.toThrow(message);
    expect((await lab.call('db/info', {})).counts.solves).toBe(0);
    lab.close();
  });

  it('the solver itself refuses NaN, infinite and negative costs, floor > cap, an empty set', async () => {
    const bad = (f: (p: Problem) => void) => { const p = seed(); f(p); return solve(p, { policy: 'lp' }); };
    await expect(bad((p) => (p.tasks[2].a = NaN))).rejects.toThrow("tasks[2] 't3'.attentionCost: must be a finite number ≥ 0 (got NaN)");
    await expect(bad((p) => (p.tasks[0].t = Infinity))).rejects.toThrow("tasks[0] 't1'.timeCost");
    await expect(bad((p) => (p.tasks[1].w = -2))).rejects.toThrow("tasks[1] 't2'.weight");
    await expect(bad((p) => { p.tasks[0].lo = 0.9; p.tasks[0].hi = 0.1; })).rejects.toThrow('floor 0.9 exceeds cap 0.1');
    await expect(bad((p) => (p.tasks = []))).rejects.toThrow('tasks: the task set is empty');
  });

  it('infeasible solves are stored with their explanation', async () => {
    const lab = new Lab(':memory:');
    const set = await lab.call('taskSets/create', { name: 'tight', budget: 10, tasks: [{ name: 'a', attentionCost: 30, floor: 0.5 }] });
    const s = await lab.call('solve/run', { taskSetId: set.id, policy: 'lp' });
    expect(s).toMatchObject({ status: 'infeasible', leastBudget: 15 });
    expect(await lab.call('solve/get', { id: s.id })).toEqual(s);
    expect(await lab.call('solve/list', { taskSetId: set.id })).toHaveLength(1);
    lab.close();
  });
});

describe('the curve policy with flat curves', () => {
  it('every fitted curve flat: the budget is still spent (the lp allocation), and the note says why', async () => {
    // a pilot that did not learn: acc(n) = α for every task, so no allocation predicts more than another
    const flat = Object.fromEntries(seed().tasks.map((t, i) => [t.name, { alpha: 0.5 + 0.05 * i, beta: 0, gamma: 0.5 }]));
    const s = await solve(seed(), { policy: 'curve', curves: flat });
    const lp = await solve(seed(), { policy: 'lp' });
    expect(s.status).not.toBe('infeasible');
    expect(s.objective.attention).toBeCloseTo(100, 6); // the whole budget, not nothing
    s.pi.forEach((v, i) => expect(v).toBeCloseTo(lp.pi[i], 9));
    expect(s.notes.join(' ')).toMatch(/every task's learning curve is flat.*lp allocation/);
    expect(s.objective.predictedAccuracy).toBeCloseTo(dot(seed().tasks.map((t) => t.w), seed().tasks.map((_, i) => 0.5 + 0.05 * i)) / 6, 9);
    // one flat task among rising ones is the curve policy's own business: no note
    const mixed = await solve(seed(), { policy: 'curve', curves: { ...flat, t1: { alpha: 0.9, beta: 0.5, gamma: 0.5 } } });
    expect(mixed.notes.join(' ')).not.toMatch(/flat/);
    expect(mixed.pi[0]).toBeGreaterThan(0);
  });
});

/**
 * milp's own decisions, with an engine that answers what the test scripts: what it does with a
 * time-limited or over-budget answer, when the least-attention pass is kept, and how little of the
 * second model reduced-cost fixing leaves to solve.
 */
import { describe, expect, it } from 'vitest';
import { LabError } from '../../src-main/api/errors';
import { type Engine, HIGHS } from '../../src-main/solver/engine';
import { breaks, milp } from '../../src-main/solver/milp';
import type { BoundedLp, LpResult } from '../../src-main/solver/model';
import type { Problem } from '../../src-main/solver/problem';
import { dp } from '../../src-main/solver/dp';

type Answer = { status: LpResult['status']; x?: number[]; duals?: Record<string, number> };
/** An engine giving the scripted answers in turn (the last one again when they run out), keeping the models it was asked. */
function scripted(...answers: Answer[]) {
  const models: BoundedLp[] = [];
  const engine: Engine = {
    name: async () => 'scripted',
    solve: async (m) => {
      models.push(m);
      const a = answers[Math.min(models.length, answers.length) - 1];
      return { status: a.status, x: Float64Array.from(a.x ?? []), z: 0, duals: a.duals ?? {}, rounds: 1 };
    },
  };
  return { engine, models };
}
const task = (name: string, t: Partial<Problem['tasks'][number]>) => ({ name, a: 1, t: 0, w: 1, lo: 0, hi: 1, n: null, ...t });
const problem = (tasks: Problem['tasks'], more: Partial<Problem> = {}): Problem => ({ tasks, budget: 100, timeBudget: null, shareCap: null, unitsPerTask: tasks.map(() => 1), ...more });

describe('milp and the answers its engine gives', () => {
  it('gives the engine what is left of its time limit, in seconds; no integer point in time is a timeout, infeasible is no answer', async () => {
    const p = problem([task('x', {}), task('y', {})], { budget: 1 });
    const s = scripted({ status: 'optimal', x: [1, 0] }, { status: 'optimal', x: [1, 0] });
    await milp(p, 3, s.engine);
    expect(s.models[0].timeLimitS).toBeGreaterThan(2.5);
    expect(s.models[0].timeLimitS).toBeLessThanOrEqual(3);
    const timeout = await milp(p, 3, scripted({ status: 'undefined' }).engine).catch((e) => e);
    expect(timeout).toBeInstanceOf(LabError);
    expect([timeout.code, timeout.message]).toEqual(['timeout', 'milp found no integer allocation within its 3 s time limit (2 tasks): raise timeLimit, or use lp or dp']);
    expect(await milp(p, 3, scripted({ status: 'infeasible' }).engine)).toBeNull();
  });

  // x: 1 attention and 1 s per pass, worth 1; y: 1 attention, no time, worth 2; two units each.
  const overAttention = problem([task('x', { t: 1 }), task('y', { w: 2 })], { budget: 1.5, timeBudget: 1.8, unitsPerTask: [2, 2] });

  it('an optimal answer over a budget within tolerance is solved again with that row tightened 10×, 100× … its overshoot; after six, units are given back', async () => {
    const s = scripted({ status: 'optimal', x: [2, 2] }); // 2 attention of 1.5, time 1 of 1.8, every time
    const m = await milp(overAttention, 3, s.engine);
    expect(s.models).toHaveLength(6);
    expect(s.models.map((x) => x.rows.map((r) => r.rhs))).toEqual([[1.5, 1.8], [1.5 - 10 * 0.5, 1.8], [-3.5 - 100 * 5.5, 1.8], expect.anything(), expect.anything(), expect.anything()]);
    // x frees attention at worth 1 per unit of it, y at 2: x's units go first
    expect(m).toEqual({ counts: [1, 2], value: 2.5, status: 'feasible', note: "the engine's counts broke attention within its tolerance; units were given back until every row holds, so they are not proven optimal" });
  });

  it('a time-limited answer over a row is not solved again: its units are given back at once, from the rows it breaks', async () => {
    const s = scripted({ status: 'feasible', x: [2, 2] });
    expect(await milp(overAttention, 3, s.engine)).toMatchObject({ counts: [1, 2], status: 'feasible', note: expect.stringMatching(/^milp stopped at its 3 s time limit: the engine's counts broke attention/) });
    expect(s.models).toHaveLength(1);
    // over time only: y uses no time, so x gives back although it is worth less per attention
    const overTime = { ...overAttention, budget: 10, timeBudget: 0.5 };
    expect(await milp(overTime, 3, scripted({ status: 'feasible', x: [2, 2] }).engine)).toMatchObject({ counts: [1, 2], note: expect.stringMatching(/broke time /) });
    const cheapNoTime = { ...overTime, tasks: [task('x', { t: 1, w: 5 }), task('y', { w: 0.1 })] };
    expect((await milp(cheapNoTime, 3, scripted({ status: 'feasible', x: [2, 2] }).engine))!.counts).toEqual([1, 2]); // y's units would not free a second
    // x is worth 1 for 2 attention, y 1 for 1: x's units free more per worth and go first
    const dear = problem([task('x', { a: 2 }), task('y', {})], { budget: 1.5, unitsPerTask: [2, 2] });
    expect((await milp(dear, 3, scripted({ status: 'feasible', x: [2, 2] }).engine))!.counts).toEqual([0, 2]);
  });

  it("counts over the share cap: the task over it gives units back (at once, even from an optimal answer), and breaks() names the share", async () => {
    const p = problem([task('x', {}), task('y', { w: 3 })], { shareCap: 0.6, unitsPerTask: [2, 2] });
    expect(breaks(p, [0.5, 1])).toEqual(['share']); // y is 1 of 1.5
    expect(breaks(p, [0.5, 0.5])).toEqual([]);
    for (const status of ['optimal', 'feasible'] as const) {
      const s = scripted({ status, x: [1, 2, 1.5] });
      expect(await milp(p, 3, s.engine)).toMatchObject({ counts: [1, 1], value: 2, status: 'feasible', note: expect.stringMatching(/broke share within its tolerance/) });
      expect(s.models).toHaveLength(1);
    }
  });

  it('rows hold to the rounding of their sum: 100,000.1 + 200,000.2 on a budget of 300,000.3 holds', () => {
    const p = problem([task('x', { a: 100000.1 }), task('y', { a: 200000.2 })], { budget: 300000.3 });
    expect(100000.1 + 200000.2).toBeGreaterThan(300000.3); // the sum rounds over
    expect(breaks(p, [1, 1])).toEqual([]);
    expect(breaks({ ...p, budget: 300000.2999 }, [1, 1])).toEqual(['attention']);
    expect(breaks({ ...p, budget: 1e6, timeBudget: 0.5, tasks: p.tasks.map((t) => ({ ...t, t: 0.3 })) }, [1, 1])).toEqual(['time']);
  });
});

describe("milp's least-attention pass", () => {
  // The first pass answers [1, 0]; the relaxation's duals are 0, so nothing is fixed and the
  // second model is the whole one: its answer is the third one scripted.
  const second = async (p: Problem, x: number[]) => milp(p, 3, scripted({ status: 'optimal', x: [1, 0, 0].slice(0, x.length) }, { status: 'optimal', x: x.map(() => 0) }, { status: 'optimal', x }).engine);
  const dearFirst = problem([task('x', { a: 2 }), task('y', {})], { budget: 2 });
  const dropped = { counts: [1, 0], value: 1, status: 'optimal', note: 'the least-attention pass ran out of time (or could not hold the value exactly): these counts are optimal in value but may not spend the least attention' };

  it('is kept when it holds every row and the value at less attention, else the first counts stand with a note', async () => {
    expect(await second(dearFirst, [0, 1])).toEqual({ counts: [0, 1], value: 1, status: 'optimal' });
    expect(await second(dearFirst, [1, 1])).toEqual(dropped); // 3 attention of 2
    expect(await second(dearFirst, [0, 0])).toEqual(dropped); // worth 0, not 1
    expect(await second(problem([task('x', {}), task('y', { a: 2 })], { budget: 2 }), [0, 1])).toEqual(dropped); // more attention
    expect(await second(problem([task('x', {}), task('y', {})], { budget: 2 }), [0, 1])).toEqual({ counts: [0, 1], value: 1, status: 'optimal' }); // as much: kept
    expect(await second({ ...dearFirst, tasks: [task('x', { a: 2 }), task('y', { t: 5 })], timeBudget: 1 }, [0, 1])).toEqual(dropped); // less attention, but 5 s of 1
  });

  it('holds the value to the rounding of its sum (1e-12 of it), at any size', async () => {
    const p = problem([task('u', { w: 100000.1 }), task('v', { w: 200000.2 }), task('z', { w: 300000.3 })], { budget: 2 });
    const s = scripted({ status: 'optimal', x: [1, 1, 0] }, { status: 'optimal', x: [0, 0, 0] }, { status: 'optimal', x: [0, 0, 1] });
    expect(await milp(p, 3, s.engine)).toMatchObject({ counts: [0, 0, 1], status: 'optimal' });
    expect(s.models[2].rows.at(-1)).toMatchObject({ name: 'value', sense: '>=' });
  });

  it('with a share cap, solves the whole second model once (no relaxation, no fixing)', async () => {
    const p = problem([task('x', { a: 2 }), task('y', {}), task('z', {})], { budget: 3, shareCap: 0.6 });
    const s = scripted({ status: 'optimal', x: [1, 1, 0, 2] }, { status: 'optimal', x: [0, 1, 1, 2] });
    expect(await milp(p, 3, s.engine)).toEqual({ counts: [0, 1, 1], value: 2, status: 'optimal' });
    expect(s.models).toHaveLength(2);
    expect([s.models[1].integer, s.models[1].sparse?.length, s.models[1].c]).toEqual([true, 4, [-2, -1, -1]]);
  });

  it("fixes every column its reduced cost settles: at n = 40 the second model has a handful of columns, and the answer is dp's", async () => {
    // distinct worth per attention: the relaxation's dual prices all but the marginal tasks out
    const tasks = Array.from({ length: 40 }, (_, i) => task(`t${i}`, { a: 1 + (i % 7), w: 1 + ((i * 13) % 17) / 4 }));
    const p = problem(tasks, { budget: 60, unitsPerTask: tasks.map(() => 4) });
    const models: BoundedLp[] = [];
    const recording: Engine = { name: HIGHS.name, solve: (m) => {
      models.push(m);
      return HIGHS.solve(m);
    } };
    const m = (await milp(p, 10, recording))!;
    expect(models.map((x) => x.integer)).toEqual([true, false, true]); // first pass, relaxation, second pass
    expect(models[2].c.length).toBeLessThanOrEqual(6);
    const d = dp(p)!;
    expect(m.value).toBeCloseTo(d.value, 9);
    const attention = (c: number[]) => c.reduce((s, v, i) => s + (v / 4) * tasks[i].a, 0);
    expect(attention(m.counts)).toBeCloseTo(attention(d.counts), 9);
  });
});

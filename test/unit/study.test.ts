import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import { runStudy } from '../../src-main/study';
import { fitLearningCurve, perEpoch } from '../../src-main/study/fit';

describe('learning-curve fits', () => {
  it('recovers a power law, and falls back to a flat curve (said so) when accuracy does not rise', () => {
    const truth = { alpha: 0.9, beta: 0.8, gamma: 0.4 };
    const f = fitLearningCurve([100, 300, 1000, 3000, 10_000].map((n) => ({ n, acc: truth.alpha - truth.beta * n ** -truth.gamma })));
    expect(f.curve.alpha).toBeCloseTo(0.9, 6);
    expect(f.curve.beta).toBeCloseTo(0.8, 5);
    expect(f.curve.gamma).toBeCloseTo(0.4, 6);
    expect(f.fallback).toBeNull();
    expect(fitLearningCurve([{ n: 10, acc: 0.5 }, { n: 20, acc: 0.5 }, { n: 40, acc: 0.49 }])).toMatchObject({ curve: { beta: 0 }, fallback: expect.stringMatching(/did not rise/) });
    expect(fitLearningCurve([{ n: 10, acc: 0.5 }, { n: 0, acc: 0.1 }]).fallback).toMatch(/1 usable point/);
    // bounds: α never above 1, β never negative
    const capped = fitLearningCurve([{ n: 1, acc: 0.5 }, { n: 2, acc: 0.9 }, { n: 3, acc: 1 }, { n: 4, acc: 1 }]);
    expect(capped.curve.alpha).toBeLessThanOrEqual(1);
    expect(capped.curve.beta).toBeGreaterThanOrEqual(0);
    // E epochs of x examples each = E·x examples: the per-epoch curve predicts the same accuracy
    const e = perEpoch(truth, 5);
    expect(e.alpha - e.beta * 200 ** -e.gamma).toBeCloseTo(truth.alpha - truth.beta * 1000 ** -truth.gamma, 12);
  });
});

describe('the study', () => {
  const labs: Lab[] = [];
  afterAll(() => labs.forEach((l) => l.close()));

  it('runs end to end on the built-in mix at half the attention (CI-sized) and writes its report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attention-lab-study-'));
    const lab = new Lab(join(dir, 'lab.db'));
    labs.push(lab);
    const set = await lab.call('taskSets/create', JSON.parse(readFileSync('resources/builtin-mix.taskset.json', 'utf8')));
    const half = set.tasks.reduce((s, t) => s + t.attentionCost, 0) / 2;
    const report = join(dir, 'report');
    const r = await runStudy(lab, { taskSetId: set.id, budget: half, policies: ['uniform', 'lp', 'curve'], seeds: [1, 2], epochs: 1, pilotEpochs: 3, pilotFraction: 0.25, report });
    expect(Object.keys(r.fits)).toEqual(set.tasks.map((t) => t.name));
    for (const f of Object.values(r.fits)) expect(Number.isFinite(f.rmse)).toBe(true);
    const md = readFileSync(join(report, 'report.md'), 'utf8');
    for (const section of ['## Pilot and learning curves', '## Test accuracy per policy and task', '## Against uniform, paired by seed', '## Predicted against achieved', '## Curves']) expect(md).toContain(section);
    expect(md).toMatch(/\| lp \| [+-]\d+\.\d\d \| \[-?\d+\.\d\d, -?\d+\.\d\d\] \| 2 \| (better than uniform|worse than uniform|no clear difference) \|/);
    expect(md.match(/^\| (uniform|lp|curve) \| [\w-]+ \| \d\.\d{3} \|/gm)).toHaveLength(3 * set.tasks.length); // predicted against achieved, every policy × task
    expect(readFileSync(join(report, 'curves.png')).subarray(1, 4).toString()).toBe('PNG');
    for (const t of set.tasks) expect(existsSync(join(report, `curve-${t.name}.png`))).toBe(true);
    // the study's runs carry its tag: the compare view filters by it
    const runs = (await lab.call('runs/list', {})).rows;
    expect(runs).toHaveLength(1 + 3 * 2);
    expect(new Set(runs.map((x) => x.tags.find((t) => t.startsWith('study:'))))).toEqual(new Set([expect.stringMatching(/^study:built-in mix:/)]));
    await expect(runStudy(lab, { taskSetId: set.id, policies: [], seeds: [1], epochs: 1, pilotEpochs: 3, pilotFraction: 0.25, report })).rejects.toThrow(/at least one policy/);
    await expect(runStudy(lab, { taskSetId: 99, policies: ['uniform'], seeds: [1], epochs: 1, pilotEpochs: 3, pilotFraction: 0.25, report })).rejects.toThrow(/task set 99 does not exist/);
  }, 300_000);
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../api/errors';
import type { Comparison, LearningCurve, PolicyName } from '../api/schemas';
import { renderComparisonPng } from '../compare/render';
import type { Lab } from '../lab';
import { accuracyAt } from '../solver';
import { fitLearningCurve, perEpoch, type Fit } from './fit';

/**
 * The study: does the economics pay off? A pilot run (uniform, a fraction of the study's
 * attention) gives each task's validation accuracy against examples seen; a power law is
 * fitted per task; every policy (the curve policy with those fits) is run over several
 * seeds at the same budget; the report sets test accuracy, accuracy per attention, the
 * paired difference to uniform with a 95% interval, and predicted against achieved side
 * by side — whatever they show.
 */
export interface StudyOptions {
  taskSetId: number; budget?: number; policies: PolicyName[]; seeds: number[]; epochs: number;
  pilotEpochs: number; pilotFraction: number; report: string; model?: 'bag' | 'cnn' | 'transformer';
}
export interface StudyResult { markdown: string; runIds: Record<string, number[]>; pilotRunId: number; fits: Record<string, Fit> }

const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086];
const t95 = (df: number) => (df >= 1 && df <= T95.length ? T95[df - 1] : 1.96);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);
const pct = (x: number) => `${(100 * x).toFixed(1)}`;

export async function runStudy(lab: Lab, o: StudyOptions, log: (line: string) => void = () => {}): Promise<StudyResult> {
  if (!o.policies.length) throw new LabError('invalid_input', 'policies: name at least one policy');
  if (!o.seeds.length) throw new LabError('invalid_input', 'seeds: at least one seed');
  if (!(o.pilotFraction > 0 && o.pilotFraction <= 1)) throw new LabError('invalid_input', `pilotFraction: must be in (0, 1], got ${o.pilotFraction}`);
  const set = await lab.call('taskSets/get', { id: o.taskSetId });
  const budget = o.budget ?? set.budget;
  const total = set.tasks.reduce((s, t) => s + t.attentionCost, 0);
  const tag = `study:${set.name}:${new Date().toISOString().slice(0, 19)}`;
  const model = o.model ?? 'bag';

  // 1. the pilot: uniform at a share that spends pilotFraction of the study's attention per run
  // (never under a task's floor: the pilot must be feasible too)
  const share = Math.min(1, Math.max(...set.tasks.map((t) => t.floor), (o.pilotFraction * o.epochs * budget) / (o.pilotEpochs * total)));
  log(`pilot: uniform, π = ${share.toFixed(3)} per task, ${o.pilotEpochs} epochs`);
  const [pilot] = await lab.call('runs/start', { taskSetId: set.id, policy: 'uniform', budget: Math.max(share * total, 1e-9), epochs: o.pilotEpochs, seeds: [o.seeds[0]], model, tags: [tag, 'pilot'], name: `${set.name} · study pilot` });
  const pilotRun = await lab.runs.wait(pilot.id);
  if (pilotRun.status !== 'completed') throw new LabError('internal', `the pilot run ${pilot.id} ${pilotRun.status}: ${pilotRun.error ?? ''}`);
  const points = await lab.call('runs/metrics', { id: pilot.id });
  const fits: Record<string, Fit> = {};
  for (const t of set.tasks) {
    const at = (metric: string) => new Map(points.filter((p) => p.task === t.name && p.metric === metric).map((p) => [p.epoch, p.value]));
    const seen = at('examples'), acc = at('val.accuracy');
    fits[t.name] = fitLearningCurve([...acc].filter(([e]) => e > 0).map(([e, a]) => ({ n: seen.get(e) ?? 0, acc: a })));
  }
  const curves: Record<string, LearningCurve> = Object.fromEntries(Object.entries(fits).map(([k, f]) => [k, perEpoch(f.curve, o.epochs)]));

  // 2. every policy over every seed, at the study's budget
  const runIds: Record<string, number[]> = {};
  const pis: Record<string, number[]> = {};
  for (const policy of o.policies) {
    const runs = await lab.call('runs/start', { taskSetId: set.id, policy, budget, epochs: o.epochs, seeds: o.seeds, model, tags: [tag, policy], curves, name: `${set.name} · study · ${policy}` });
    runIds[policy] = runs.map((r) => r.id);
    const solve = await lab.call('solve/get', { id: runs[0].solveId! });
    pis[policy] = set.tasks.map((t) => solve.pi[solve.tasks.indexOf(t.name)]);
    log(`queued ${policy}: runs ${runIds[policy].join(', ')}`);
  }
  for (const [policy, ids] of Object.entries(runIds))
    for (const id of ids) {
      const r = await lab.runs.wait(id);
      log(`run ${id} (${policy}) ${r.status}`);
      if (r.status !== 'completed') throw new LabError('internal', `study run ${id} (${policy}) ${r.status}: ${r.error ?? ''}`);
    }

  // 3. the report
  const all = Object.values(runIds).flat();
  const cmp: Comparison = await lab.call('runs/compare', { ids: all, metric: 'test.accuracy', groupBy: 'policy', perTask: true });
  const byId = new Map(cmp.runs.map((r) => [r.id, r]));
  const wsum = set.tasks.reduce((s, t) => s + t.weight, 0) || 1;
  const weighted = (id: number) => set.tasks.reduce((s, t) => s + t.weight * (byId.get(id)!.final[t.name] ?? 0), 0) / wsum;
  const lines: string[] = [];
  const p = (s = '') => lines.push(s);
  p(`# Study: ${set.name}`);
  p();
  p(`Budget A = ${budget.toLocaleString('en-US')} attention units per epoch (${pct(budget / total)} % of one full pass, ${total.toLocaleString('en-US')}), ${o.epochs} epochs, ${model} model, seeds ${o.seeds.join(', ')}; policies ${o.policies.join(', ')}. Runs are tagged \`${tag}\` (filter by it in the Compare view). Test accuracy at the last epoch; ± is the standard deviation over seeds.`);
  p();
  p(`## Pilot and learning curves`);
  p();
  p(`Pilot run ${pilot.id}: uniform π = ${share.toFixed(3)}, ${o.pilotEpochs} epochs (${pct((share * o.pilotEpochs * total) / (o.epochs * budget))} % of one study run's attention). Per task, acc(n) = α − β n^(−γ) fitted to validation accuracy against examples seen.`);
  p();
  p('| task | α | β | γ | RMSE | points | note |');
  p('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const t of set.tasks) {
    const f = fits[t.name];
    const note = f.fallback ?? (f.curve.gamma >= 1.99 || f.curve.gamma <= 0.051 ? 'γ at its bound: too few or too steep points to pin the shape' : '');
    p(`| ${t.name} | ${f.curve.alpha.toFixed(3)} | ${f.curve.beta.toFixed(3)} | ${f.curve.gamma.toFixed(2)} | ${f.rmse.toFixed(4)} | ${f.points} | ${note} |`);
  }
  p();
  p(`## Test accuracy per policy and task (%)`);
  p();
  p(`| policy | ${set.tasks.map((t) => `${t.name} (w ${t.weight})`).join(' | ')} | weighted mean | attention (M tokens) | weighted acc per M tokens |`);
  p(`| --- | ${set.tasks.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`);
  const summary: Record<string, number> = {};
  for (const [policy, ids] of Object.entries(runIds)) {
    const cells = set.tasks.map((t) => {
      const v = ids.map((id) => byId.get(id)!.final[t.name] ?? 0);
      return `${pct(mean(v))} ± ${pct(sd(v))}`;
    });
    const w = ids.map(weighted), att = mean(ids.map((id) => byId.get(id)!.attention)) / 1e6;
    summary[policy] = mean(w);
    p(`| ${policy} | ${cells.join(' | ')} | ${pct(mean(w))} ± ${pct(sd(w))} | ${att.toFixed(2)} | ${(mean(w) / att).toFixed(4)} |`);
  }
  p();
  const best = Object.entries(summary).sort((a, b) => b[1] - a[1])[0];
  p(`Highest weighted mean test accuracy: **${best[0]}** (${pct(best[1])} %).`);
  p();
  if (runIds.uniform) {
    p(`## Against uniform, paired by seed`);
    p();
    p('Difference in weighted mean test accuracy (percentage points), policy minus uniform, on the same seed; 95 % t-interval over seeds.');
    p();
    p('| policy | mean difference | 95 % interval | seeds | reading |');
    p('| --- | ---: | --- | ---: | --- |');
    for (const [policy, ids] of Object.entries(runIds)) {
      if (policy === 'uniform') continue;
      const d = o.seeds.map((_, k) => 100 * (weighted(ids[k]) - weighted(runIds.uniform[k])));
      const m = mean(d), half = d.length > 1 ? (t95(d.length - 1) * sd(d)) / Math.sqrt(d.length) : NaN;
      const reading = Number.isNaN(half) ? 'one seed: no interval' : m - half > 0 ? 'better than uniform' : m + half < 0 ? 'worse than uniform' : 'no clear difference';
      p(`| ${policy} | ${m >= 0 ? '+' : ''}${m.toFixed(2)} | ${Number.isNaN(half) ? '—' : `[${(m - half).toFixed(2)}, ${(m + half).toFixed(2)}]`} | ${d.length} | ${reading} |`);
    }
    p();
  }
  p(`## Predicted against achieved`);
  p();
  p(`Predicted: each task's fitted curve at the examples the policy's π gives over ${o.epochs} epochs; achieved: mean test accuracy over seeds (%).`);
  p();
  p('| policy | task | π | predicted | achieved | achieved − predicted |');
  p('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const [policy, ids] of Object.entries(runIds))
    set.tasks.forEach((t, i) => {
      const pred = accuracyAt(curves[t.name], pis[policy][i] * (t.examples ?? 0));
      const got = mean(ids.map((id) => byId.get(id)!.final[t.name] ?? 0));
      p(`| ${policy} | ${t.name} | ${pis[policy][i].toFixed(3)} | ${pct(pred)} | ${pct(got)} | ${(100 * (got - pred)).toFixed(1)} |`);
    });
  p();
  p(`## Curves`);
  p();
  mkdirSync(o.report, { recursive: true });
  const mean_ = await lab.call('runs/compare', { ids: all, metric: 'test.accuracy', groupBy: 'policy', x: 'attention' });
  writeFileSync(join(o.report, 'curves.png'), renderComparisonPng(mean_, { smoothing: 0, raw: false, title: 'test accuracy, mean over tasks, by attention spent' }));
  p('![test accuracy against attention spent, mean over tasks, mean ± std over seeds per policy](curves.png)');
  p();
  for (const t of cmp.tasks) {
    const file = `curve-${t.replace(/[^\w-]+/g, '_')}.png`;
    writeFileSync(join(o.report, file), renderComparisonPng(cmp, { smoothing: 0, raw: false, task: t, title: `${t}: test accuracy by epoch` }, { width: 800, height: 420 }));
    p(`![${t}](${file})`);
  }
  p();
  p(`Runs: pilot ${pilot.id}; ${Object.entries(runIds).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ')}.`);
  const markdown = lines.join('\n') + '\n';
  writeFileSync(join(o.report, 'report.md'), markdown);
  return { markdown, runIds, pilotRunId: pilot.id, fits };
}

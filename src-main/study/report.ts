import type { Comparison, CurveFit } from '../api/schemas';
import type { StudyReport } from '../api/study';
import { accuracyAt } from '../solver';
import { perEpoch } from './fit';

/**
 * A study's report: the numbers (shown by the app) and the same numbers as Markdown (the
 * CLI's report.md, the app's export). Pure: given the task set, the fit, the runs'
 * final test accuracies and each policy's π.
 */
export interface ReportInput {
  set: { name: string; tasks: { name: string; weight: number; attentionCost: number; examples: number | null }[] };
  budget: number; epochs: number; model: string; seeds: number[]; tag: string;
  pilot: { runId: number; share: number; epochs: number };
  fit: CurveFit; cmp: Comparison; runIds: Record<string, number[]>; pis: Record<string, number[]>;
}

const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086];
const t95 = (df: number) => (df >= 1 && df <= T95.length ? T95[df - 1] : 1.96);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);

export function buildReport(i: ReportInput): StudyReport {
  const { set, cmp, runIds } = i;
  const total = set.tasks.reduce((s, t) => s + t.attentionCost, 0);
  const byId = new Map(cmp.runs.map((r) => [r.id, r]));
  const wsum = set.tasks.reduce((s, t) => s + t.weight, 0) || 1;
  const weighted = (id: number) => set.tasks.reduce((s, t) => s + t.weight * (byId.get(id)!.final[t.name] ?? 0), 0) / wsum;
  const accuracy = Object.entries(runIds).map(([policy, ids]) => {
    const w = ids.map(weighted), attention = mean(ids.map((id) => byId.get(id)!.attention));
    return {
      policy, runIds: ids,
      perTask: set.tasks.map((t) => {
        const v = ids.map((id) => byId.get(id)!.final[t.name] ?? 0);
        return { task: t.name, mean: mean(v), std: sd(v) };
      }),
      weighted: { mean: mean(w), std: sd(w) }, attention,
    };
  });
  const paired = runIds.uniform
    ? Object.entries(runIds).filter(([p]) => p !== 'uniform').map(([policy, ids]) => {
      const d = i.seeds.map((_, k) => 100 * (weighted(ids[k]) - weighted(runIds.uniform[k])));
      const m = mean(d), half = d.length > 1 ? (t95(d.length - 1) * sd(d)) / Math.sqrt(d.length) : null;
      const reading = half === null ? 'one seed: no interval' : m - half > 0 ? 'better than uniform' : m + half < 0 ? 'worse than uniform' : 'no clear difference';
      return { policy, mean: m, low: half === null ? null : m - half, high: half === null ? null : m + half, seeds: d.length, reading };
    })
    : null;
  const curves = Object.fromEntries(i.fit.tasks.map((t) => [t.task, perEpoch(t.curve, i.epochs)]));
  const predicted = Object.entries(runIds).flatMap(([policy, ids]) => set.tasks.map((t, k) => ({
    policy, task: t.name, pi: i.pis[policy][k],
    predicted: accuracyAt(curves[t.name], i.pis[policy][k] * (t.examples ?? 0)),
    achieved: mean(ids.map((id) => byId.get(id)!.final[t.name] ?? 0)),
  })));
  return {
    setName: set.name, tasks: set.tasks.map((t) => ({ name: t.name, weight: t.weight })), budget: i.budget, totalAttention: total,
    epochs: i.epochs, model: i.model, seeds: i.seeds, tag: i.tag, pilot: i.pilot, fitId: i.fit.id,
    fits: i.fit.tasks.map((t) => ({ task: t.task, curve: t.curve, rmse: t.rmse ?? 0, points: t.points.length, fallback: t.fallback })),
    accuracy, paired, predicted,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}`;
const gammaNote = (g: number) => (g >= 1.99 || g <= 0.051 ? 'γ at its bound: too few or too steep points to pin the shape' : '');

/** The report as Markdown, with the chart files `chartFiles` names (curves.png, curve-TASK.png). */
export function reportMarkdown(r: StudyReport): string {
  const lines: string[] = [];
  const p = (s = '') => lines.push(s);
  const policies = r.accuracy.map((a) => a.policy);
  p(`# Study: ${r.setName}`);
  p();
  p(`Budget A = ${r.budget.toLocaleString('en-US')} attention units per epoch (${pct(r.budget / r.totalAttention)} % of one full pass, ${r.totalAttention.toLocaleString('en-US')}), ${r.epochs} epochs, ${r.model} model, seeds ${r.seeds.join(', ')}; policies ${policies.join(', ')}. Runs are tagged \`${r.tag}\` (filter by it in the Compare view). Test accuracy at the last epoch; ± is the standard deviation over seeds.`);
  p();
  p(`## Pilot and learning curves`);
  p();
  p(`Pilot run ${r.pilot.runId}: uniform π = ${r.pilot.share.toFixed(3)}, ${r.pilot.epochs} epochs (${pct((r.pilot.share * r.pilot.epochs * r.totalAttention) / (r.epochs * r.budget))} % of one study run's attention). Per task, acc(n) = α − β n^(−γ) fitted to validation accuracy against examples seen.`);
  p();
  p('| task | α | β | γ | RMSE | points | note |');
  p('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const f of r.fits) p(`| ${f.task} | ${f.curve.alpha.toFixed(3)} | ${f.curve.beta.toFixed(3)} | ${f.curve.gamma.toFixed(2)} | ${f.rmse.toFixed(4)} | ${f.points} | ${f.fallback ?? gammaNote(f.curve.gamma)} |`);
  p();
  p(`## Test accuracy per policy and task (%)`);
  p();
  p(`| policy | ${r.tasks.map((t) => `${t.name} (w ${t.weight})`).join(' | ')} | weighted mean | attention (M tokens) | weighted acc per M tokens |`);
  p(`| --- | ${r.tasks.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`);
  for (const a of r.accuracy) {
    const att = a.attention / 1e6;
    p(`| ${a.policy} | ${a.perTask.map((c) => `${pct(c.mean)} ± ${pct(c.std)}`).join(' | ')} | ${pct(a.weighted.mean)} ± ${pct(a.weighted.std)} | ${att.toFixed(2)} | ${(a.weighted.mean / att).toFixed(4)} |`);
  }
  p();
  const best = [...r.accuracy].sort((a, b) => b.weighted.mean - a.weighted.mean)[0];
  p(`Highest weighted mean test accuracy: **${best.policy}** (${pct(best.weighted.mean)} %).`);
  p();
  if (r.paired) {
    p(`## Against uniform, paired by seed`);
    p();
    p('Difference in weighted mean test accuracy (percentage points), policy minus uniform, on the same seed; 95 % t-interval over seeds.');
    p();
    p('| policy | mean difference | 95 % interval | seeds | reading |');
    p('| --- | ---: | --- | ---: | --- |');
    for (const d of r.paired) p(`| ${d.policy} | ${d.mean >= 0 ? '+' : ''}${d.mean.toFixed(2)} | ${d.low === null ? '—' : `[${d.low.toFixed(2)}, ${d.high!.toFixed(2)}]`} | ${d.seeds} | ${d.reading} |`);
    p();
  }
  p(`## Predicted against achieved`);
  p();
  p(`Predicted: each task's fitted curve at the examples the policy's π gives over ${r.epochs} epochs; achieved: mean test accuracy over seeds (%).`);
  p();
  p('| policy | task | π | predicted | achieved | achieved − predicted |');
  p('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const x of r.predicted) p(`| ${x.policy} | ${x.task} | ${x.pi.toFixed(3)} | ${pct(x.predicted)} | ${pct(x.achieved)} | ${(100 * (x.achieved - x.predicted)).toFixed(1)} |`);
  p();
  p(`## Curves`);
  p();
  p('![test accuracy against attention spent, mean over tasks, mean ± std over seeds per policy](curves.png)');
  p();
  for (const t of r.tasks) p(`![${t.name}](${taskChartFile(t.name)})`);
  p();
  p(`Runs: pilot ${r.pilot.runId}; ${r.accuracy.map((a) => `${a.policy} ${a.runIds.join(', ')}`).join('; ')}.`);
  return lines.join('\n') + '\n';
}

export const taskChartFile = (task: string) => `curve-${task.replace(/[^\w-]+/g, '_')}.png`;

import type { CompareInput, Comparison, Run } from '../api/schemas';
import * as store from '../store';

/**
 * Comparing runs: one metric's curves of many runs, per task or averaged over tasks,
 * grouped (by policy, model or any config field) into mean ± std over the group's runs
 * (seeds, usually); each run's final values, its attention spent and what it gained per
 * million tokens; and the config fields that differ between the groups.
 */
type Config = Record<string, unknown>;

/** A run's value of a grouping field: its seed, task set, or a config field. */
function field(run: Run, key: string): string {
  const v = key === 'seed' ? run.seed : key === 'taskSet' ? run.taskSetId : (run.config as Config)[key];
  return v === undefined || v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Fields a diff never shows: derived from others (π from the policy, the solve), or bookkeeping. */
const NOT_DIFFED = new Set(['tasks', 'solveId']);
/** The "task" of a run-level metric of a run that logs no tasks (runs tracked through the MLflow API). */
export const RUN_LEVEL = '(run)';

export function compareRuns(db: store.Db, input: CompareInput): Comparison {
  const runs = input.ids.map((id) => store.getRun(db, id));
  const all = store.readCurves(db, input.ids, input.metric);
  // the lab's runs log per task (and a mean, task ''); a script's run logs run-level metrics only, which stand as its one task
  const hasTasks = new Set(all.filter((c) => c.task !== '').map((c) => c.runId));
  const curves = all.filter((c) => c.task !== '' || !hasTasks.has(c.runId)).map((c) => (c.task === '' ? { ...c, task: RUN_LEVEL } : c));
  const tasks = [...new Set(curves.map((c) => c.task))].sort();
  const groupOf = (r: Run) => (input.groupBy ? field(r, input.groupBy) : `run ${r.id}`);

  // per run: its per-task curves, and their mean over tasks at each epoch
  const byRun = new Map<number, Map<string, store.Curve>>();
  for (const c of curves) {
    if (!byRun.has(c.runId)) byRun.set(c.runId, new Map());
    byRun.get(c.runId)!.set(c.task, c);
  }
  const meanCurve = (m: Map<string, store.Curve>): store.Curve | null => {
    const cs = [...m.values()];
    if (!cs.length) return null;
    const len = Math.min(...cs.map((c) => c.epoch.length));
    const at = (f: (c: store.Curve) => number) => cs.reduce((s, c) => s + f(c), 0) / cs.length;
    return {
      runId: cs[0].runId, task: '', epoch: cs[0].epoch.slice(0, len), step: cs[0].step.slice(0, len),
      value: Array.from({ length: len }, (_, i) => at((c) => c.value[i])),
      attention: cs[0].attention.slice(0, len), wallMs: cs[0].wallMs.slice(0, len),
    };
  };

  const xOf = (c: store.Curve) => (input.x === 'epoch' ? c.epoch : input.x === 'attention' ? c.attention : c.wallMs);
  const groups = [...new Set(runs.map(groupOf))];
  const series: Comparison['series'] = [];
  for (const g of groups) {
    const members = runs.filter((r) => groupOf(r) === g);
    for (const task of input.perTask ? tasks : ['']) {
      const cs = members.map((r) => (task ? byRun.get(r.id)?.get(task) : meanCurve(byRun.get(r.id) ?? new Map()))).filter((c): c is store.Curve => !!c);
      if (!cs.length) continue;
      // runs of a group align point by point (epoch i of each seed); a shorter run stops counting where it stops
      const len = Math.max(...cs.map((c) => c.value.length));
      const x: number[] = [], mean: number[] = [], std: number[] = [], n: number[] = [];
      for (let i = 0; i < len; i++) {
        const here = cs.filter((c) => i < c.value.length);
        const vs = here.map((c) => c.value[i]), m = vs.reduce((a, b) => a + b, 0) / vs.length;
        x.push(here.reduce((a, c) => a + xOf(c)[i], 0) / here.length);
        mean.push(m);
        std.push(vs.length > 1 ? Math.sqrt(vs.reduce((a, v) => a + (v - m) ** 2, 0) / (vs.length - 1)) : 0);
        n.push(vs.length);
      }
      series.push({ group: g, task, runIds: members.map((r) => r.id), x, mean, std, n });
    }
  }

  const table: Comparison['runs'] = runs.map((r) => {
    const m = byRun.get(r.id) ?? new Map<string, store.Curve>();
    const mc = meanCurve(m);
    const last = mc ? mc.value.length - 1 : -1;
    const attention = mc && last >= 0 ? mc.attention[last] : 0;
    const mean = mc && last >= 0 ? mc.value[last] : null;
    const gain = mc && last > 0 && attention > 0 ? ((mc.value[last] - mc.value[0]) / attention) * 1e6 : null;
    const c = r.config as Config;
    return {
      id: r.id, name: r.name, status: r.status, group: groupOf(r), seed: r.seed, policy: String(c.policy ?? '—'), model: String(c.model ?? '—'),
      epochs: mc ? mc.epoch[last] ?? 0 : 0, final: Object.fromEntries(tasks.map((t) => [t, m.get(t)?.value.at(-1) ?? null])), mean, attention, gainPerMTokens: gain, best: false,
    };
  });
  const top = Math.max(...table.map((r) => r.mean ?? -Infinity));
  // lower is better for losses
  const lossy = /loss/.test(input.metric);
  const bestValue = lossy ? Math.min(...table.map((r) => r.mean ?? Infinity)) : top;
  for (const r of table) r.best = r.mean !== null && r.mean === bestValue;

  // config fields whose value differs between groups; within a group a differing field reads 'mixed'
  const keys = new Set<string>(['seed']);
  for (const r of runs) for (const k of Object.keys(r.config)) if (!NOT_DIFFED.has(k)) keys.add(k);
  if (input.groupBy) keys.delete('seed');
  const diff: Comparison['diff'] = [];
  for (const k of [...keys].sort()) {
    const values = groups.map((g) => {
      const vs = new Set(runs.filter((r) => groupOf(r) === g).map((r) => field(r, k)));
      return { group: g, value: vs.size === 1 ? [...vs][0] : 'mixed' };
    });
    if (new Set(values.map((v) => v.value)).size > 1) diff.push({ field: k, values });
  }
  return { metric: input.metric, x: input.x, groupBy: input.groupBy, tasks, runs: table, series, diff };
}

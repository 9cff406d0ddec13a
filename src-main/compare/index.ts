import { type CompareInput, type Comparison, type Run, configField } from '../api/schemas';
import * as store from '../store';
import { lowerIsBetter } from '../api/names';
import { metricRange, summarise } from './stats';

/**
 * Comparing runs: one metric's curves of many runs, per task or averaged over tasks,
 * grouped (by policy, model or any config field) into bands over the group's runs
 * (seeds, usually); each run's final values, its attention spent and what it gained per
 * million tokens; every field that varies among the runs; and what is not comparable.
 * Only the bands leave the server, not every run's points.
 */
/** Fields a diff never shows: derived from others (π from the policy, the solve), or bookkeeping. */
const NOT_DIFFED = new Set(['tasks', 'solveId']);
/** The "task" of a run-level metric of a run that logs no tasks (runs tracked through the MLflow API). */
export const RUN_LEVEL = '(run)';

export function compareRuns(db: store.Db, input: CompareInput): Comparison {
  const runs = input.ids.map((id) => store.getRun(db, id));
  const setNames = new Map((db.prepare('SELECT id, name FROM task_sets').all() as { id: number; name: string }[]).map((s) => [s.id, s.name]));
  const setOf = (r: Run) => (r.taskSetId === null ? '—' : setNames.get(r.taskSetId) ?? `task set ${r.taskSetId}`);
  /** A run's value of a field: its seed, task set, or a config field. */
  const field = (r: Run, key: string): string => {
    const v = key === 'seed' ? r.seed : key === 'taskSet' ? setOf(r) : configField(r.config, key);
    return v === undefined || v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  const { byRun, tasks } = curvesByRun(store.readCurves(db, input.ids, input.metric));
  const means = new Map(runs.map((r) => [r.id, meanCurve(byRun.get(r.id) ?? new Map())]));
  const groupOf = (r: Run) => (input.groupBy ? field(r, input.groupBy) : `run ${r.id}`);
  const members = new Map<string, Run[]>();
  for (const r of runs) {
    const g = groupOf(r);
    if (!members.has(g)) members.set(g, []);
    members.get(g)!.push(r);
  }
  const series = [...members].flatMap(([g, rs]) =>
    (input.perTask ? tasks : ['']).flatMap((task) => {
      const cs = rs.map((r) => (task ? byRun.get(r.id)?.get(task) : means.get(r.id))).filter((c): c is store.Curve => !!c);
      return cs.length ? [{ group: g, task, runIds: rs.map((r) => r.id), ...band(cs, input) }] : [];
    }),
  );
  const table = runs.map((r) => ({
    id: r.id, name: r.name, status: r.status, group: groupOf(r), seed: r.seed, policy: String(r.config.policy ?? '—'), model: String(r.config.model ?? '—'), taskSet: setOf(r),
    ...finals(byRun.get(r.id) ?? new Map(), means.get(r.id) ?? null, tasks), best: false,
  }));
  const sets = markBest(table, input.metric);
  const warnings: string[] = [];
  if (sets.length > 1)
    warnings.push(`These runs span ${sets.length} task sets (${sets.join(', ')}): a mean over tasks averages different tasks, so runs are ranked only within their task set (★ best per set); compare them per task for a like-for-like view.`);
  return { metric: input.metric, x: input.x, groupBy: input.groupBy, aggregate: input.aggregate, tasks, runs: table, series, warnings, diff: configDiff(runs, members, field) };
}

/**
 * Each run's curves by task. The lab's runs log per task (and a mean, task ''); a script's
 * run logs run-level metrics only, which stand as its one task, RUN_LEVEL.
 */
function curvesByRun(all: store.Curve[]): { byRun: Map<number, Map<string, store.Curve>>; tasks: string[] } {
  const hasTasks = new Set(all.filter((c) => c.task !== '').map((c) => c.runId));
  const curves = all.filter((c) => c.task !== '' || !hasTasks.has(c.runId)).map((c) => (c.task === '' ? { ...c, task: RUN_LEVEL } : c));
  const byRun = new Map<number, Map<string, store.Curve>>();
  for (const c of curves) {
    if (!byRun.has(c.runId)) byRun.set(c.runId, new Map());
    byRun.get(c.runId)!.set(c.task, c);
  }
  return { byRun, tasks: [...new Set(curves.map((c) => c.task))].sort() };
}

/** A run's mean over its tasks at each epoch (as long as its shortest task curve). */
function meanCurve(m: Map<string, store.Curve>): store.Curve | null {
  const cs = [...m.values()];
  if (!cs.length) return null;
  const len = Math.min(...cs.map((c) => c.epoch.length));
  const at = (f: (c: store.Curve) => number) => cs.reduce((s, c) => s + f(c), 0) / cs.length;
  return {
    // x and epoch are read at the indices of value only: the first task's arrays serve uncut
    runId: cs[0].runId, task: '', epoch: cs[0].epoch, step: cs[0].step,
    value: Array.from({ length: len }, (_, i) => at((c) => c.value[i])),
    attention: cs[0].attention, wallMs: cs[0].wallMs,
  };
}

/**
 * A group's band, point by point: runs of a group align by index (epoch i of each seed);
 * a shorter run stops counting where it stops. The band is clipped to the metric's range.
 */
function band(cs: store.Curve[], input: CompareInput) {
  const [min, max] = metricRange(input.metric);
  const clip = (v: number) => Math.min(max, Math.max(min, v));
  const xOf = (c: store.Curve) => (input.x === 'epoch' ? c.epoch : input.x === 'attention' ? c.attention : c.wallMs);
  const len = Math.max(...cs.map((c) => c.value.length));
  const x: number[] = [], mean: number[] = [], std: number[] = [], lo: number[] = [], hi: number[] = [], n: number[] = [];
  for (let i = 0; i < len; i++) {
    const here = cs.filter((c) => i < c.value.length);
    const s = summarise(here.map((c) => c.value[i]), input.aggregate);
    x.push(here.reduce((a, c) => a + xOf(c)[i], 0) / here.length);
    mean.push(s.centre);
    std.push(s.std);
    lo.push(clip(s.lo)); // a band of accuracies never leaves [0, 1]
    hi.push(clip(s.hi));
    n.push(here.length);
  }
  return { x, mean, std, lo, hi, n };
}

/** A run's last values: per task, the mean over tasks, the attention spent and the mean gained per million tokens. */
function finals(m: Map<string, store.Curve>, mc: store.Curve | null, tasks: string[]) {
  const last = mc ? mc.value.length - 1 : -1;
  // a stored curve has a point at least, so last ≥ 0 exactly when there is a mean curve
  const attention = last >= 0 ? mc!.attention[last] : 0;
  const mean = last >= 0 ? mc!.value[last] : null;
  const gain = last > 0 && attention > 0 ? ((mc!.value[last] - mc!.value[0]) / attention) * 1e6 : null;
  return { epochs: mc ? mc.epoch[last] ?? 0 : 0, final: Object.fromEntries(tasks.map((t) => [t, m.get(t)?.value.at(-1) ?? null])), mean, attention, gainPerMTokens: gain };
}

/** Marks the best mean within each task set (a mean over tasks compares like with like only there); returns the sets. */
function markBest(table: Comparison['runs'], metric: string): string[] {
  const lossy = lowerIsBetter(metric);
  const sets = [...new Set(table.map((r) => r.taskSet))];
  for (const set of sets) {
    const here = table.filter((r) => r.taskSet === set && r.mean !== null);
    const best = lossy ? Math.min(...here.map((r) => r.mean!)) : Math.max(...here.map((r) => r.mean!));
    for (const r of here) r.best = r.mean === best;
  }
  return sets;
}

/** Every field whose value varies among the runs, between groups or within them, with each group's value(s). */
function configDiff(runs: Run[], members: Map<string, Run[]>, field: (r: Run, key: string) => string): Comparison['diff'] {
  const keys = new Set<string>(['seed', 'taskSet']);
  for (const r of runs) for (const k of Object.keys(r.config)) if (!NOT_DIFFED.has(k)) keys.add(k);
  const diff: Comparison['diff'] = [];
  const order = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  for (const k of [...keys].sort()) {
    if (new Set(runs.map((r) => field(r, k))).size < 2) continue;
    const values = [...members].map(([g, rs]) => ({ group: g, value: [...new Set(rs.map((r) => field(r, k)))].sort(order).join(', ') }));
    diff.push({ field: k, values });
  }
  return diff;
}

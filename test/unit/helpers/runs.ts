import type { MetricPoint } from '../../../src-main/api/schemas';
import * as store from '../../../src-main/store';

/**
 * A stopped run written straight to the store: per task and epoch, test.accuracy =
 * base + slope·epoch (capped below 1), with the run-level mean the trainer also logs.
 */
export function addRun(db: store.Db, o: { policy: string; seed: number; base: number; taskSetId?: number | null; epochs?: number; tasks?: string[]; slope?: number; name?: string; config?: Record<string, unknown> }): number {
  const epochs = o.epochs ?? 3, tasks = o.tasks ?? ['a', 'b'];
  const r = store.createRun(db, { name: o.name ?? `${o.policy} ${o.seed}`, seed: o.seed, taskSetId: o.taskSetId ?? null, config: { policy: o.policy, model: 'bag', epochs, lr: 0.005, ...o.config } });
  const points: MetricPoint[] = [];
  for (let epoch = 0; epoch <= epochs; epoch++) {
    const vs = tasks.map((_, t) => Math.min(0.999, o.base + (o.slope ?? 0.05) * epoch + 0.01 * t));
    tasks.forEach((task, t) => points.push({ epoch, step: epoch * 10, task, metric: 'test.accuracy', value: vs[t], attention: 1000 * epoch, wallMs: 500 * epoch }));
    points.push({ epoch, step: epoch * 10, task: '', metric: 'test.accuracy', value: vs.reduce((a, b) => a + b, 0) / vs.length, attention: 1000 * epoch, wallMs: 500 * epoch });
  }
  store.appendMetrics(db, r.id, points);
  store.setRunStatus(db, r.id, 'completed');
  return r.id;
}

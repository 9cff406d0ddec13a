import type { LabRunConfig, MetricPoint, PolicyName } from '../../../src-main/api/schemas';
import * as store from '../../../src-main/store';

/** A lab run's whole config: the trainer's defaults, with what a test sets. */
export const labConfig = (o: Partial<LabRunConfig> = {}): LabRunConfig => ({
  model: 'bag', dim: 64, hidden: 64, lr: 0.005, batchSize: 32, epochs: 3, vocabSize: 20_000, policy: 'lp', solveId: null, initFrom: null, tasks: [], ...o,
});

/**
 * A stopped run written straight to the store: per task and epoch, test.accuracy =
 * base + slope·epoch (capped below 1), with the run-level mean the trainer also logs.
 */
export function addRun(db: store.Db, o: { policy: string; seed: number; base: number; taskSetId?: number | null; epochs?: number; tasks?: string[]; slope?: number; name?: string; config?: Partial<LabRunConfig> }): number {
  const epochs = o.epochs ?? 3, tasks = o.tasks ?? ['a', 'b'];
  const r = store.createRun(db, { name: o.name ?? `${o.policy} ${o.seed}`, seed: o.seed, taskSetId: o.taskSetId ?? null, config: labConfig({ policy: o.policy as PolicyName, epochs, ...o.config }) }); // a planted run may name a policy of its own ('wide')
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

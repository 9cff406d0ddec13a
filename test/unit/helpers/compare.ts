import { Lab } from '../../../src-main/lab';
import * as store from '../../../src-main/store';
import type { PolicyName } from '../../../src-main/api/schemas';
import { labConfig } from './runs';

/** Runs with known curves, written straight to the store: value = base + slope·epoch per task. */
export function seeded(path = ':memory:') {
  const lab = new Lab(path);
  const config = (policy: PolicyName) => labConfig({ policy, solveId: policy === 'lp' ? 1 : 2, tasks: [{ name: 'a', datasetId: 1, pi: policy === 'lp' ? 1 : 0.5, weight: 1 }] });
  const runs = [['lp', 1, 0.5], ['lp', 2, 0.6], ['uniform', 1, 0.3], ['uniform', 2, 0.3]] as const;
  const ids = runs.map(([policy, seed, base]) => {
    const r = store.createRun(lab.db, { name: `${policy} ${seed}`, seed, config: config(policy) });
    const points = [0, 1, 2, 3].flatMap((epoch) =>
      ['a', 'b'].flatMap((task) => [
        { epoch, step: epoch * 10, task, metric: 'test.accuracy', value: base + (task === 'a' ? 0.1 : 0.05) * epoch, attention: 1000 * epoch * (policy === 'lp' ? 2 : 1), wallMs: 500 * epoch },
      ]));
    store.appendMetrics(lab.db, r.id, points);
    return r.id;
  });
  return { lab, ids };
}


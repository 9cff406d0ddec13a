import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../src-main/api/schemas';
import { rankRuns } from '../../src-main/compare/chart';

const run = (id: number, mean: number | null, gain: number | null, a: number | null): Comparison['runs'][number] => ({
  id, name: `r${id}`, status: 'completed', group: `run ${id}`, seed: 1, policy: 'lp', model: 'bag', epochs: 2, taskSet: 's', final: { a }, mean, attention: 1000, gainPerMTokens: gain, best: false,
});
const comparison = (metric: string): Comparison => ({
  metric, x: 'epoch', groupBy: null, tasks: ['a'], aggregate: 'std', series: [], warnings: [], diff: [],
  runs: [run(1, 0.5, 10, 0.4), run(2, null, null, null), run(3, 0.2, -30, 0.9), run(4, 0.8, 40, 0.1)],
});

describe("the compare view's final table (rankRuns)", () => {
  it('lists the best first: the highest accuracy, the lowest loss; runs without a value last', () => {
    expect(rankRuns(comparison('test.accuracy'), 'mean').map((r) => r.id)).toEqual([4, 1, 3, 2]);
    expect(rankRuns(comparison('val.loss'), 'mean').map((r) => r.id)).toEqual([3, 1, 4, 2]);
    // a loss falls as a run learns: the most negative gain per token is the best
    expect(rankRuns(comparison('train.loss'), 'gain').map((r) => r.id)).toEqual([3, 1, 4, 2]);
    expect(rankRuns(comparison('test.accuracy'), 'a').map((r) => r.id)).toEqual([3, 1, 4, 2]);
    expect(rankRuns(comparison('val.loss'), 'a').map((r) => r.id)).toEqual([4, 1, 3, 2]);
  });
});

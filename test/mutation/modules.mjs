/**
 * What `npm run mutation -- NAME…` mutates, and the tests that must kill those mutants
 * (issue 21's modules). Each runs Stryker over its files with only its own tests, so a
 * module's score is what its tests catch.
 */
export const modules = {
  solver: { mutate: ['src-main/solver/**/*.ts', '!src-main/solver/format.ts'], tests: ['test/unit/solver.test.ts', 'test/unit/solver-engines.test.ts', 'test/unit/solver-policies.test.ts'] },
  training: { mutate: ['src-main/training/train.ts', 'src-main/training/kernels.ts', 'src-main/training/embedding.ts'], tests: ['test/unit/training.test.ts', 'test/unit/kernels.test.ts'] },
  compare: { mutate: ['src-main/compare/**/*.ts'], tests: ['test/unit/compare.test.ts'] },
  datasets: { mutate: ['src-main/datasets/split.ts', 'src-main/datasets/importer.ts'], tests: ['test/unit/importer.test.ts'] },
  runs: { mutate: ['src-main/runs/index.ts'], tests: ['test/unit/runs.test.ts', 'test/unit/reliability.test.ts'] },
};

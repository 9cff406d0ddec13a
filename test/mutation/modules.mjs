/**
 * What `npm run mutation -- NAME…` mutates, and the tests that must kill those mutants
 * (issue 21's modules). Each runs Stryker over its files with only its own tests, so a
 * module's score is what its tests catch.
 */
export const modules = {
  solver: { mutate: ['src-main/solver/**/*.ts', '!src-main/solver/format.ts'], tests: ['test/unit/solver.test.ts', 'test/unit/solver-engines.test.ts', 'test/unit/solver-policies.test.ts', 'test/unit/solver-milp.test.ts', 'test/unit/solver-lp.test.ts'] },
  // training.test.ts trains toy models (seconds per mutant); kernels.test.ts tests the kernels and the table in milliseconds
  training: { mutate: ['src-main/training/train.ts'], tests: ['test/unit/training.test.ts'] },
  kernels: { mutate: ['src-main/training/kernels.ts', 'src-main/training/embedding.ts'], tests: ['test/unit/kernels.test.ts'] },
  compare: { mutate: ['src-main/compare/**/*.ts'], tests: ['test/unit/compare.test.ts', 'test/unit/compare-answers.test.ts', 'test/unit/compare-chart.test.ts'] },
  datasets: { mutate: ['src-main/datasets/split.ts', 'src-main/datasets/importer.ts'], tests: ['test/unit/importer.test.ts'] },
  // runs: the queue against a scripted trainer (runs.test.ts and reliability.test.ts train real
  // trainers, minutes per mutant on this machine; they are integration tests of the same code)
  runs: { mutate: ['src-main/runs/index.ts'], tests: ['test/unit/run-queue.test.ts'] },
};

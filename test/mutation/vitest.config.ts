import { defineConfig } from 'vitest/config';
import base from '../vitest.config';

/** The unit tests of one module (MUTATION_TESTS, comma-separated), for Stryker's runs; include replaced, not merged. */
// A loaded machine (Stryker beside other work) slows the tests that spawn the CLI: more time before one counts as failed.
// Not isolated: Stryker reruns the tests once per mutant, and importing the lab afresh each time (SQLite, ECharts,
// TF.js) cost more than most tests (the mutants switch at run time, not by reloading).
export default defineConfig({ ...base, test: { ...base.test, include: (process.env.MUTATION_TESTS ?? 'test/unit/**/*.test.ts').split(','), testTimeout: 120_000, isolate: false } });
